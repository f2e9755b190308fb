"""Delays: how long an answer waits, fixed or drawn from a distribution.

Three kinds cover what latency looks like to a client: a fixed wait, a uniform spread, and a
lognormal one (real service latency is right-skewed: most answers near the median, a long tail).
Every draw takes the caller's `random.Random`, so a seeded run waits the same way every time.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mock_server.steering.problems import (
    NOT_A_NUMBER,
    SteeringProblem,
    at_least,
    at_most,
    is_number,
    not_a_list,
    plain_number,
    unknown_field,
)

DelayKind = Literal["fixed", "uniform", "lognormal"]
DELAY_KINDS: tuple[DelayKind, ...] = ("fixed", "uniform", "lognormal")

# A minute: longer than any client timeout worth testing, short enough that a typo
# (200000 for 200) does not hold a connection open for an hour.
MAX_DELAY_MS = 60_000
# At sigma 5 the 99th percentile is ~10^5 times the median: any wider is a typo, and the
# cap would flatten its tail anyway.
MAX_SIGMA = 5.0

_JSON_KEYS = ("fixed_ms", "uniform", "lognormal")
_LOGNORMAL_KEYS = ("median", "sigma")
_MS = r"\d+(?:\.\d+)?"
_TEXT = re.compile(rf"\s*({_MS})\s*(?:-\s*({_MS})\s*)?")
FORMS = (
    'Expected milliseconds: a number, "MS", "LOW-HIGH", {"fixed_ms": MS}, '
    '{"uniform": [LOW, HIGH]} or {"lognormal": {"median": MS, "sigma": S}}.'
)


@dataclass(frozen=True)
class Delay:
    kind: DelayKind
    first: float  # fixed: ms; uniform: low ms; lognormal: median ms
    second: float = 0.0  # uniform: high ms; lognormal: sigma

    def __post_init__(self) -> None:
        # parse_delay words the refusals for clients; this only stops a programming error.
        if self.kind not in DELAY_KINDS:
            raise ValueError(f"unknown delay kind {self.kind!r}")
        if not (is_number(self.first) and is_number(self.second)):
            raise ValueError("delay bounds must be finite numbers")
        if self.first < 0 or self.second < 0:
            raise ValueError("delay bounds must not be negative")
        if self.kind == "uniform" and self.first > self.second:
            raise ValueError("a uniform delay's low bound is above its high bound")

    def milliseconds(self, rng: random.Random) -> float:
        """One draw, in ms, within [0, MAX_DELAY_MS]; a fixed delay draws nothing."""
        if self.kind == "fixed":
            drawn = self.first
        elif self.kind == "uniform":
            drawn = rng.uniform(self.first, self.second)
        else:
            # Drawn in log space and capped there: exp() of a far tail would overflow.
            exponent = rng.normalvariate(math.log(self.first), self.second)
            drawn = MAX_DELAY_MS if exponent >= math.log(MAX_DELAY_MS) else math.exp(exponent)
        return min(max(drawn, 0.0), float(MAX_DELAY_MS))

    def seconds(self, rng: random.Random) -> float:
        return self.milliseconds(rng) / 1000.0

    def to_json(self) -> dict[str, Any]:
        if self.kind == "fixed":
            return {"fixed_ms": plain_number(self.first)}
        if self.kind == "uniform":
            return {"uniform": [plain_number(self.first), plain_number(self.second)]}
        return {"lognormal": {"median": plain_number(self.first), "sigma": self.second}}


def parse_delay(value: object, field: str = "delay") -> Delay:
    """A delay from any of its forms: a number of ms, "200", "100-300", or the JSON forms
    `Delay.to_json` writes. A refusal is a SteeringProblem naming `field`."""
    if isinstance(value, str):
        return _from_text(value, field)
    if isinstance(value, Mapping):
        return _from_json(value, field)
    if is_number(value):
        return Delay("fixed", _milliseconds(value, (field,)))
    raise SteeringProblem.on(field, FORMS)


def _from_text(text: str, field: str) -> Delay:
    found = _TEXT.fullmatch(text)
    if found is None:
        raise SteeringProblem.on(field, FORMS)
    low = _milliseconds(float(found.group(1)), (field,))
    if found.group(2) is None:
        return Delay("fixed", low)
    return _uniform(low, _milliseconds(float(found.group(2)), (field,)), (field,))


def _from_json(value: Mapping[str, Any], field: str) -> Delay:
    if len(value) != 1 or next(iter(value)) not in _JSON_KEYS:
        raise SteeringProblem.on(field, FORMS)
    ((kind, inner),) = value.items()
    if kind == "fixed_ms":
        return Delay("fixed", _milliseconds(inner, (field, kind)))
    if kind == "uniform":
        if not isinstance(inner, list) or len(inner) != 2:
            message = not_a_list(inner) if not isinstance(inner, list) else "Expected [LOW, HIGH]."
            raise _problem((field, kind), message)
        low = _milliseconds(inner[0], (field, kind, "0"))
        return _uniform(low, _milliseconds(inner[1], (field, kind, "1")), (field, kind))
    return _lognormal(inner, (field, kind))


def _lognormal(inner: object, where: tuple[str, ...]) -> Delay:
    if not isinstance(inner, Mapping):
        raise _problem(where, 'Expected {"median": MS, "sigma": S}.')
    errors: dict[str, Any] = {}
    for key in inner:
        if key not in _LOGNORMAL_KEYS:
            errors[str(key)] = [unknown_field(_LOGNORMAL_KEYS)]
    for key in _LOGNORMAL_KEYS:
        if key not in inner:
            errors[key] = ["This field is required."]
    median, sigma = inner.get("median"), inner.get("sigma")
    if "median" in inner and "median" not in errors:
        message = _number_problem(median, low=0, high=MAX_DELAY_MS)
        if message is None and median == 0:  # a median of 0 has no logarithm
            message = "Ensure this value is greater than 0."
        if message is not None:
            errors["median"] = [message]
    if "sigma" in inner and "sigma" not in errors:
        message = _number_problem(sigma, low=0, high=MAX_SIGMA)
        if message is not None:
            errors["sigma"] = [message]
    if errors:
        raise _nest(where, errors)
    assert isinstance(median, int | float) and isinstance(sigma, int | float)
    return Delay("lognormal", float(median), float(sigma))


def _uniform(low: float, high: float, where: tuple[str, ...]) -> Delay:
    if low > high:
        raise _problem(where, "The low bound must not be above the high bound.")
    return Delay("uniform", low, high)


def _milliseconds(value: object, where: tuple[str, ...]) -> float:
    message = _number_problem(value, low=0, high=MAX_DELAY_MS)
    if message is not None:
        raise _problem(where, message)
    assert isinstance(value, int | float)
    return float(value)


def _number_problem(value: object, *, low: float, high: float) -> str | None:
    if not is_number(value):
        return NOT_A_NUMBER
    assert isinstance(value, int | float)
    if value < low:
        return at_least(low)
    if value > high:
        return at_most(high)
    return None


def _problem(where: tuple[str, ...], message: str) -> SteeringProblem:
    return _nest(where, [message])


def _nest(where: tuple[str, ...], node: Any) -> SteeringProblem:
    """`{"delay": {"uniform": ["..."]}}` from the path of the field at fault."""
    for part in reversed(where):
        node = {part: node}
    return SteeringProblem(node)
