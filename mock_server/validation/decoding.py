"""Request input read the way DRF reads it: JSON bodies (without deep recursion), date-times.

DRF decodes the body as UTF-8 and hands it to the standard parser with NaN and Infinity refused;
whatever fails is `400 {"detail": "JSON parse error - ..."}`. The standard parser, the schema
validator and the mock's own walks over a body all recurse once or more per level of nesting, so
nesting is measured without recursion, before any of them sees the body, and a body nested
deeper than `MAX_DEPTH` is refused as a parse error too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from typing import Any

from openapi_core.validation.schemas.datatypes import FormatValidatorsDict

# Schema validation takes several Python frames per level of a body, and a request already
# stands on an ASGI stack: 64 levels keep it far from Python's limit of 1,000, and no schema
# of the document nests half as deep.
MAX_DEPTH = 64
NUL = "\x00"
# What `\u0000` in a JSON text looks like; a raw NUL in a JSON string is already a parse error.
ESCAPED_NUL = b"\\u0000"

_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"[]{}'))
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class BodyParseError(ValueError):
    """A body DRF's parser would refuse; the message is what follows "JSON parse error - "."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_BOM = "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"  # json.loads's


def read_json(body: bytes) -> Any:
    """The JSON value of `body`, as DRF's JSONParser reads it, or BodyParseError."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyParseError(str(error)) from None
    # A body with few brackets cannot be deep: two byte counts spare the scan almost always.
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and too_deep(body):
        raise BodyParseError(f"Nesting deeper than {MAX_DEPTH} levels is not accepted.")
    if text.startswith("\ufeff"):
        raise BodyParseError(_BOM)
    try:
        return _DECODER.decode(text)
    except ValueError as error:
        raise BodyParseError(str(error)) from None


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets outside the strings of the JSON text `body` nest deeper than `limit`:
    exact up to the body's first syntax error, as far as any parser reads. Byte operations
    only, so a body full of brackets costs a fraction of its parse."""
    if b"\\" in body:  # escaped backslashes, then escaped quotes, can end no string
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Adjacent quotes enclose nothing, or nothing lies between two strings: either way
    # dropping them leaves every bracket on its side of the strings.
    skeleton = body.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in skeleton:  # strings holding brackets: keep what lies outside them
        skeleton = b"".join(skeleton.split(b'"')[::2])
    reduced = skeleton
    for _ in range(limit // 2):  # a pass removes two levels at most
        reduced = reduced.replace(b"[]", b"").replace(b"{}", b"")
        if not reduced:
            return False
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0) > limit


def value_too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether the containers of a parsed value nest deeper than `limit`, walked iteratively."""
    if not isinstance(value, dict | list):
        return False
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def null_character_paths(value: Any) -> Iterator[tuple[str, ...]]:
    """The paths (keys and list indexes, as text) of the strings in `value` holding a NUL."""
    pending: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, str):
            if NUL in node:
                yield path
        elif isinstance(node, dict):
            items = [(child, (*path, str(key))) for key, child in node.items()]
            pending.extend(reversed(items))  # reversed, so paths come out in document order
        elif isinstance(node, list):
            pending.extend(reversed([(child, (*path, str(i))) for i, child in enumerate(node)]))


def django_datetime(value: Any) -> bool:
    """What Django's parse_datetime reads: ISO 8601 with `T` or a space, an optional offset
    written `Z`, `+HH`, `+HHMM` or `+HH:MM` (clients such as the published SDK send `+0000`),
    naming a date and time that exist (it refuses month 13, minute 99, an offset of a day)."""
    if not isinstance(value, str):
        return True
    match = _DJANGO_DATETIME.fullmatch(value)
    if match is None:
        return False
    day, hour, minute = int(match["day"]), int(match["hour"]), int(match["minute"])
    second, fraction = int(match["second"] or 0), int((match["fraction"] or "0").ljust(6, "0"))
    offset = match["tz"] or "Z"
    minutes = 0 if offset == "Z" else 60 * int(offset[1:3]) + int(offset[3:][-2:] or 0)
    try:
        datetime(int(match["year"]), int(match["month"]), day, hour, minute, second, fraction)
        timezone(timedelta(minutes=minutes))
    except (ValueError, OverflowError):
        return False
    return True


_DJANGO_DATETIME = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(:(?P<second>\d{1,2})([.,](?P<fraction>\d{1,6})\d*)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(:?\d{2})?)?"
)
# Requests are read as DRF's fields read them; answers are still checked against RFC 3339.
DJANGO_INPUT_FORMATS: FormatValidatorsDict = {"date-time": django_datetime}
