"""What one request asks of the mock: `Prefer: code=404` and its `__code=404` twin.

Prism's vocabulary, read from the `Prefer` header (RFC 7240: preferences separated by commas,
each `token=value` with an optional quoted value) and from query parameters named `__<token>`,
which are then taken out of the query, so that no filter and no validation ever sees them:

- `code=N`         the operation's declared response N, in its declared shape;
- `example=NAME`   the named example the document gives for that response;
- `dynamic=true`   freshly made data instead of the seeded answer;
- `delay=MS`       the answer waits (`200`, or `100-300` for a uniform spread);
- `fault=KIND`     the connection fails: `reset`, `empty` or `malformed`.

A preference the mock does not know (`return=minimal`, `respond-async`) is ignored, as RFC 7240
asks. A query parameter wins over the header. A value that cannot be read is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from mock_server.steering.delays import Delay, parse_delay
from mock_server.steering.plans import FAULTS, Fault
from mock_server.steering.problems import FieldErrors, SteeringProblem

PREFIX = "__"
KEYS = ("code", "example", "dynamic", "delay", "fault")
_QUERY_KEYS = frozenset(PREFIX + key for key in KEYS)
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    delay: Delay | None = None
    fault: Fault | None = None

    @property
    def shapes_answer(self) -> bool:
        """Whether the answer's status or body is chosen (not only its timing)."""
        return self.code is not None or self.example is not None or self.dynamic


Query = tuple[tuple[str, str], ...]


def might_steer(headers: Mapping[str, str], query: Query) -> bool:
    """The cheap test every request takes: steering costs nothing when nobody uses it."""
    return "prefer" in headers or any(name.startswith(PREFIX) for name, _ in query)


def read_preferences(headers: Mapping[str, str], query: Query) -> tuple[Preferences | None, Query]:
    """The request's preferences (None if it states none) and its query without them.

    Raises SteeringProblem (a 400 body naming each unreadable preference).
    """
    given = _from_header(headers.get("prefer", ""))
    kept: list[tuple[str, str]] = []
    for name, value in query:
        if name in _QUERY_KEYS:
            given[name[len(PREFIX) :]] = value  # the last one, as Django reads a query
        else:
            kept.append((name, value))
    if not given:
        return None, tuple(kept)
    return _parse(given), tuple(kept)


def _from_header(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for preference in header.split(","):
        # `token=value; parameter`: parameters of a preference mean nothing to these.
        token, _, value = preference.split(";", 1)[0].partition("=")
        name = token.strip().lower()
        if name in KEYS and name not in found:  # RFC 7240: the first of a repeated one counts
            found[name] = value.strip().strip('"')
    return found


def _parse(given: Mapping[str, str]) -> Preferences:
    errors = FieldErrors()
    code: int | None = None
    if "code" in given:
        text = given["code"]
        if text.isdigit() and 100 <= int(text) <= 599:
            code = int(text)
        else:
            errors.add("code", f'"{text}" is not an HTTP status code (100-599).')
    dynamic = False
    if "dynamic" in given:
        text = given["dynamic"].lower()
        if text not in _TRUE | _FALSE:
            errors.add("dynamic", "Must be a valid boolean.")
        dynamic = text in _TRUE
    delay: Delay | None = None
    if "delay" in given:
        try:
            delay = parse_delay(given["delay"], "delay")
        except SteeringProblem as problem:
            errors.absorb(problem)
    fault = given.get("fault")
    if fault is not None and fault not in FAULTS:
        choices = ", ".join(sorted(FAULTS))
        errors.add("fault", f'"{fault}" is not a valid choice; choices: {choices}.')
        fault = None
    example = given.get("example") or None
    errors.raise_if_any()
    return Preferences(code, example, dynamic, delay, cast("Fault | None", fault))
