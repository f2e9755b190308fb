"""Path parameters echoed into the body: `GET /orgs/acme/...` answers with `platform_key: "acme"`.

A parameter reaches every field in its alias group plus the `<x>` / `<x>_id` pair. The caller
still checks each echoed value against the field's schema before using it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from mock_server.synthesis.heuristics import normalize

# Names that mean the same thing in this API's paths and bodies.
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"org", "platform_key", "platform", "platform_org", "tenant"}),
    frozenset({"user_id", "username", "user"}),
    frozenset({"mentor", "mentor_id", "mentor_unique_id"}),
    frozenset({"course_id", "course_key"}),
)

_INTEGER = re.compile(r"-?\d{1,18}")


def _fields_for(parameter: str) -> list[str]:
    """Field names that should carry `parameter`'s value, the exact name first."""
    names = [parameter]
    if parameter.endswith("_id"):
        names.append(parameter[:-3])
    elif parameter != "id":
        names.append(f"{parameter}_id")
    for group in _GROUPS:
        if parameter in group:
            names.extend(sorted(group - {parameter}))
    return names


class EchoTable:
    """Field name -> the path values that may go there, most specific first."""

    __slots__ = ("_table",)

    def __init__(self, context: Mapping[str, str] | None) -> None:
        table: dict[str, list[str]] = {}
        pairs = sorted((normalize(name), str(value)) for name, value in (context or {}).items())
        # A parameter's own name claims its field before any alias of another parameter does.
        for parameter, value in pairs:
            table.setdefault(parameter, []).append(value)
        for parameter, value in pairs:
            for field in _fields_for(parameter)[1:]:
                if value not in table.setdefault(field, []):
                    table[field].append(value)
        self._table = table

    def __bool__(self) -> bool:
        return bool(self._table)

    def values(self, field: str, kind: str | None) -> Iterator[object]:
        """The echo candidates for a field, converted to the field's type where that makes sense."""
        for value in self._table.get(normalize(field), ()):
            if kind in ("integer", "number"):
                if _INTEGER.fullmatch(value):
                    yield int(value) if kind == "integer" else float(value)
            elif kind in ("string", None):
                yield value
