"""A quick yes for request parameters that are plainly valid; openapi-core sees only the rest.

openapi-core's parameter check resolves each parameter's schema and builds its deserializer and
validator on every call: about 2 ms a request with a query string, most of a request's cost.
This document's parameters are simple (path and query only; strings with length, pattern, enum
or uuid format; integers with bounds; numbers; booleans; arrays of those), so each operation
gets its checks compiled once here. A request they accept is one openapi-core would accept too
(tests/unit/test_parameter_precheck.py holds it to that over the whole document); anything they
do not recognise (a date in the query, say), and every request they do not accept, goes to
openapi-core, which finds the problem and words the 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mock_server.spec.index import Operation

Check = Callable[[str], bool]

# Schema keywords that say nothing about validity, or that the checks below implement.
_NEUTRAL = {"type", "description", "title", "default", "nullable", "example", "examples"}
_STRING = _NEUTRAL | {"minLength", "maxLength", "pattern", "enum", "format"}
_INTEGER_KEYS = _NEUTRAL | {"minimum", "maximum"}
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def value_check(schema: Mapping[str, Any]) -> Check | None:
    """A check that accepts only values valid for `schema`, or None to leave it to openapi-core."""
    kind = schema.get("type", "string")
    if kind == "string" and set(schema) <= _STRING:
        return _string_check(schema)
    if kind == "integer" and set(schema) <= _INTEGER_KEYS:
        low, high = schema.get("minimum"), schema.get("maximum")
        return lambda value: (
            _INTEGER.fullmatch(value) is not None
            and (low is None or int(value) >= low)
            and (high is None or int(value) <= high)
        )
    if kind == "number" and set(schema) <= _NEUTRAL:
        return lambda value: _NUMBER.fullmatch(value) is not None
    if kind == "boolean" and set(schema) <= _NEUTRAL:
        return lambda value: value in ("true", "false")
    return None


def _string_check(schema: Mapping[str, Any]) -> Check | None:
    if schema.get("format") not in (None, "uuid"):
        return None
    shortest = int(schema.get("minLength", 0))
    longest = schema.get("maxLength")
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    choices = frozenset(str(v) for v in schema["enum"]) if "enum" in schema else None
    uuid = schema.get("format") == "uuid"

    def check(value: str) -> bool:
        return (
            "\x00" not in value  # refused after openapi-core's check, in DRF's words
            and len(value) >= shortest
            and (longest is None or len(value) <= longest)
            and (pattern is None or pattern.search(value) is not None)
            and (choices is None or value in choices)
            and (not uuid or _UUID.fullmatch(value) is not None)
        )

    return check


class ParameterPrecheck:
    """One operation's compiled parameter checks."""

    def __init__(self, operation: Operation) -> None:
        self.usable = True
        self._path: list[tuple[str, Check]] = []
        # name -> (check, or None to refer any value; whether it takes several values)
        self._query: dict[str, tuple[Check | None, bool]] = {}
        required: list[str] = []
        for parameter in operation.parameters:
            where, schema = parameter.get("in"), parameter.get("schema", {})
            is_array = schema.get("type") == "array"
            check = value_check(schema.get("items", {}) if is_array else schema)
            if where == "query" and not _unusual_style(parameter):
                self._query[parameter["name"]] = (check, is_array)
                if parameter.get("required"):
                    required.append(parameter["name"])
            elif where == "path" and check is not None and not is_array:
                self._path.append((parameter["name"], check))
            else:
                self.usable = False
        self._required = tuple(required)

    def accepts(self, path_params: Mapping[str, str], query: Iterable[tuple[str, str]]) -> bool:
        """True only when openapi-core would find nothing wrong with these parameters."""
        if not self.usable:
            return False
        for name, path_check in self._path:
            if not path_check(path_params.get(name, "")):
                return False
        seen: set[str] = set()
        for name, value in query:
            declared = self._query.get(name)
            if declared is None:
                continue  # undeclared names are ignored, as DRF ignores them
            check, several = declared
            if check is None or not value or not check(value) or (name in seen and not several):
                return False
            seen.add(name)
        return all(name in seen for name in self._required)


def _unusual_style(parameter: Mapping[str, Any]) -> bool:
    """Anything but the default serialisation (form, exploded, for query; simple for path)."""
    return bool(
        {"style", "explode", "content", "allowReserved", "allowEmptyValue"} & set(parameter)
    )
