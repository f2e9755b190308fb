"""Schema-driven leaf values: string formats, patterns, lengths and numeric bounds.

Nothing here looks at field names (that is `heuristics`); everything here satisfies the keywords
of the schema it is given by construction, except patterns, which are matched by trying
realistic candidates first and falling back to `rstr` for the rest.
"""

from __future__ import annotations

import base64
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import rstr

from mock_server.synthesis.draws import Draw

# A fixed window, never "now": output must not change from one day to the next.
WINDOW_START = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW_SECONDS = int((datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC) - WINDOW_START).total_seconds())

INT32 = (-(2**31) + 1, 2**31 - 1)  # the bounds oas30_format_checker accepts (exclusive ends)
INT64 = (-(2**63) + 1, 2**63 - 1)
DEFAULT_INTEGERS = (1.0, 100.0)
DEFAULT_NUMBERS = (0.0, 1000.0)


def moment(draw: Draw) -> datetime:
    offset = timedelta(seconds=draw.rng.randrange(WINDOW_SECONDS))
    return WINDOW_START + offset + timedelta(microseconds=draw.rng.randrange(1_000_000))


def date_time(draw: Draw) -> str:
    """RFC 3339 with a zone, e.g. 2025-03-14T09:26:53.589793Z."""
    return moment(draw).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def calendar_date(draw: Draw) -> str:
    return date.isoformat(moment(draw).date())


def uuid4(draw: Draw) -> str:
    return str(uuid.UUID(int=draw.rng.getrandbits(128), version=4))


def _binary(draw: Draw) -> str:
    return base64.b64encode(draw.rng.randbytes(12)).decode("ascii")


FORMATS: dict[str, Callable[[Draw], str]] = {
    "date-time": date_time,
    "date": calendar_date,
    "time": lambda d: moment(d).strftime("%H:%M:%SZ"),
    "uuid": uuid4,
    "email": lambda d: d.fake().email(),
    "idn-email": lambda d: d.fake().email(),
    "uri": lambda d: d.fake().url(),
    "url": lambda d: d.fake().url(),
    "uri-reference": lambda d: d.fake().uri_path(),
    "hostname": lambda d: d.fake().domain_name(),
    "idn-hostname": lambda d: d.fake().domain_name(),
    "ipv4": lambda d: d.fake().ipv4(),
    "ipv6": lambda d: d.fake().ipv6(),
    "binary": _binary,
    "byte": _binary,
    "password": lambda d: d.fake().password(length=14),
    "slug": lambda d: d.fake().slug(),
}


def text(draw: Draw, min_length: int = 0, max_length: int | None = None) -> str:
    """A few real words, sized to the bounds."""
    words = draw.fake().words(nb=draw.rng.randint(2, 4))
    return fit_length(" ".join(words).capitalize(), draw, min_length, max_length)


def fit_length(value: str, draw: Draw, min_length: int = 0, max_length: int | None = None) -> str:
    """Truncate at a word boundary when possible, pad with more words when too short."""
    while len(value) < min_length:
        value = f"{value} {' '.join(draw.fake().words(nb=4))}".strip()
    if max_length is not None and len(value) > max_length:
        cut = value[:max_length]
        space = cut.rfind(" ")
        value = cut[:space] if space >= max(min_length, 1) else cut
    return value.rstrip() if len(value.rstrip()) >= min_length else value


def string_bounds(schema: Mapping[str, Any]) -> tuple[int, int | None]:
    max_length = schema.get("maxLength")
    return int(schema.get("minLength") or 0), None if max_length is None else int(max_length)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """The validator's test: `re.search`, so an unanchored pattern may match anywhere."""
    return _compiled(pattern).search(value) is not None


_DECIMAL = re.compile(r"\\d\{0,(\d+)\}(?:\(\?:\\\.\\d\{0,(\d+)\}\)\?)?")


def decimal_string(pattern: str | None, draw: Draw, preferred: tuple[float, float]) -> str | None:
    """A price-like decimal that fits DRF's `^-?\\d{0,N}(?:\\.\\d{0,M})?$` digit limits."""
    found = _DECIMAL.search(pattern) if pattern else None
    int_digits = int(found.group(1)) if found else 9
    places = min(int(found.group(2) or 0), 2) if found else 2
    high = min(preferred[1], 10.0**int_digits - 1) if int_digits else 0.9
    low = min(max(preferred[0], 0.0), high)
    value = f"{draw.rng.uniform(low, high):.{places}f}"
    if int_digits == 0:
        value = value.lstrip("0") or "0"
    return value if pattern is None or matches(pattern, value) else None


def pattern_string(
    pattern: str, draw: Draw, bounds: tuple[int, int | None], realistic: Iterable[str]
) -> str:
    """The first realistic candidate that matches, else a string `rstr` builds from the regex."""
    min_length, max_length = bounds

    def fits(value: str) -> bool:
        short_enough = max_length is None or len(value) <= max_length
        return len(value) >= min_length and short_enough and matches(pattern, value)

    for candidate in realistic:
        if fits(candidate):
            return candidate
    xeger = rstr.Rstr(draw.rng)
    value = ""
    for _ in range(20):
        value = xeger.xeger(pattern)
        if fits(value):
            return value
    return value


def _multiple_within(
    schema: Mapping[str, Any], low: float, high: float, draw: Draw
) -> float | None:
    """A multiple of the schema's `multipleOf` inside [low, high], if it has one that fits."""
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        first, last = math.ceil(low / step), math.floor(high / step)
        if first <= last:
            return draw.rng.randint(first, last) * step
    return None


def integer_value(
    schema: Mapping[str, Any], draw: Draw, preferred: tuple[float, float] = DEFAULT_INTEGERS
) -> int:
    low, high = _bounds(schema, preferred, integral=True)
    multiple = _multiple_within(schema, low, high, draw)
    if multiple is not None:
        return int(multiple)
    return draw.rng.randint(int(low), int(high))


def number_value(
    schema: Mapping[str, Any], draw: Draw, preferred: tuple[float, float] = DEFAULT_NUMBERS
) -> float:
    low, high = _bounds(schema, preferred, integral=False)
    multiple = _multiple_within(schema, low, high, draw)
    if multiple is not None:
        return float(multiple)
    value = round(draw.rng.uniform(low, high), 2)
    return value if low <= value <= high else (low + high) / 2


def _bounds(
    schema: Mapping[str, Any], preferred: tuple[float, float], *, integral: bool
) -> tuple[float, float]:
    """The preferred range clipped to the schema's bounds (OpenAPI 3.0 boolean exclusives)."""
    lower, upper = schema.get("minimum"), schema.get("maximum")
    gap = 1 if integral else 0.01
    if lower is not None:
        lower = math.ceil(lower) if integral else lower
        lower += gap if schema.get("exclusiveMinimum") is True else 0
    if upper is not None:
        upper = math.floor(upper) if integral else upper
        upper -= gap if schema.get("exclusiveMaximum") is True else 0
    limits = {"int32": INT32, "int64": INT64}.get(str(schema.get("format")))
    if limits is not None:
        lower = limits[0] if lower is None else max(lower, limits[0])
        upper = limits[1] if upper is None else min(upper, limits[1])
    return _clip(preferred, lower, upper)


def _clip(
    preferred: tuple[float, float], lower: float | None, upper: float | None
) -> tuple[float, float]:
    if lower is not None and upper is not None and lower >= upper:
        return lower, lower  # contradictory or single-valued bounds: the lower one is the best try
    low = preferred[0] if lower is None else max(preferred[0], lower)
    high = preferred[1] if upper is None else min(preferred[1], upper)
    if low <= high:
        return low, high
    width = preferred[1] - preferred[0]
    if upper is not None and upper < preferred[0]:  # the preferred range lies above the bounds
        return (upper - width if lower is None else max(upper - width, lower)), upper
    assert lower is not None  # the preferred range lies below the bounds
    return lower, (lower + width if upper is None else min(lower + width, upper))
