"""The `match` and `headers` fields of an override: which requests, and what it adds.

Both are DRF dict fields: a value that is no object is refused under the field itself, a bad
entry under its own key (`{"headers": {"X A": ["Not a valid header name."]}}`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from mock_server.spec.index import Operation
from mock_server.steering.plans import Match
from mock_server.steering.problems import (
    NOT_A_STRING,
    FieldErrors,
    SteeringProblem,
    is_integer,
    not_a_dict,
    unknown_field,
)

MATCH_FIELDS = ("path", "query", "body")
# The server frames the body itself; an override naming its length or coding would break it.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name
# RFC 9110 field-value as h11 checks it: visible characters, single spaces or tabs between.
_FIELD_VALUE = re.compile(r"(?:[^\x00 \t\n\r\f\v]+(?:[ \t]+[^\x00 \t\n\r\f\v]+)*)?")


def parse_match(value: object, operation: Operation) -> Match:
    if not isinstance(value, Mapping):
        raise SteeringProblem({"non_field_errors": [not_a_dict(value)]})
    errors = FieldErrors()
    for key in value:
        if key not in MATCH_FIELDS:
            errors.add(str(key), unknown_field(MATCH_FIELDS))
    path_names = operation.path_parameter_names
    query_names = tuple(p["name"] for p in operation.parameters if p.get("in") == "query")
    texts: dict[str, dict[str, str]] = {}
    for where, names in (("path", path_names), ("query", query_names)):
        given = value.get(where, {})
        if not isinstance(given, Mapping):
            errors.add(where, not_a_dict(given))
            continue
        try:
            texts[where] = _texts(given, names, where, operation)
        except SteeringProblem as problem:
            errors.absorb(problem, where)
    body = value.get("body")
    if body is not None and not isinstance(body, Mapping):
        errors.add("body", not_a_dict(body))
    elif body is not None and operation.request_body is None:
        errors.add("body", f"{operation.operation_id} takes no request body.")
    errors.raise_if_any()
    return Match(texts.get("path") or {}, texts.get("query") or {}, copy.deepcopy(body))


def parse_headers(value: Mapping[str, Any]) -> dict[str, str]:
    errors = FieldErrors()
    headers: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            errors.add(str(name), "Not a valid header name.")
        elif name.lower() in FRAMING_HEADERS:
            errors.add(name, "The server sets this header itself.")
        elif not isinstance(text, str):
            errors.add(name, NOT_A_STRING)
        elif not _header_value_fits(text):
            errors.add(
                name, "Header values are Latin-1 text without line breaks or surrounding spaces."
            )
        else:
            headers[name] = text
    errors.raise_if_any()
    return headers


def _header_value_fits(text: str) -> bool:
    # HTTP/1.1 sends Latin-1 bytes; a CR or LF would split the header (response splitting),
    # and h11 refuses to send surrounding or other whitespace than spaces and tabs inside.
    return all(ord(char) < 256 for char in text) and bool(_FIELD_VALUE.fullmatch(text))


def _texts(
    value: Mapping[str, Any], names: tuple[str, ...], where: str, operation: Operation
) -> dict[str, str]:
    """Parameter values to compare as text: strings, or integers written as numbers."""
    errors = FieldErrors()
    texts: dict[str, str] = {}
    for name, text in value.items():
        if name not in names:
            known = ", ".join(names) if names else "none"
            errors.add(
                str(name),
                f"Not a {where} parameter of {operation.operation_id}; "
                f"its {where} parameters: {known}.",
            )
        elif isinstance(text, str):
            texts[name] = text
        elif is_integer(text):
            texts[name] = str(text)
        else:
            errors.add(name, NOT_A_STRING)
    errors.raise_if_any()
    return texts
