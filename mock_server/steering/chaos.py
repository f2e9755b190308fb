"""Run-wide chaos: latency added to every API answer, and a share of answers failed.

Draws come from two seeded streams of their own, one for latency and one for failures, so
turning latency on or off does not change which requests fail, and a run with the same seed
and the same requests fails the same ones.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from mock_server.steering.delays import Delay, parse_delay
from mock_server.steering.problems import (
    NOT_A_NUMBER,
    FieldErrors,
    SteeringProblem,
    at_least,
    at_most,
    is_number,
    require_object,
    unknown_field,
)

CHAOS_FIELDS = ("latency", "error_rate")


class Chaos:
    """Run-wide chaos: latency added to every API answer, a share of answers failed."""

    def __init__(
        self, latency: Delay | None = None, error_rate: float = 0.0, seed: int = 0
    ) -> None:
        if not (is_number(error_rate) and 0.0 <= error_rate <= 1.0):
            raise ValueError(f"error_rate must be within [0, 1], got {error_rate!r}")
        self.latency: Delay | None = latency
        self.error_rate: float = float(error_rate)
        self.seed = seed
        self._start_streams()

    def _start_streams(self) -> None:
        # String seeds are hashed with SHA-512 by `random`: the same streams in every process.
        self._latency_rng = random.Random(f"{self.seed}:latency")
        self._failure_rng = random.Random(f"{self.seed}:failures")

    @property
    def active(self) -> bool:
        """False when neither is set: the engine skips chaos entirely."""
        return self.latency is not None or self.error_rate > 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "latency": None if self.latency is None else self.latency.to_json(),
            "error_rate": self.error_rate,
        }

    def update(self, payload: Mapping[str, Any]) -> None:
        """Apply a PUT body (keys `latency` and `error_rate`, each optional; `latency: null`
        removes latency). Every problem is reported at once, and a refused body changes nothing."""
        require_object(payload)
        errors = FieldErrors()
        for key in payload:
            if key not in CHAOS_FIELDS:
                errors.add(str(key), unknown_field(CHAOS_FIELDS))
        latency = self.latency
        if "latency" in payload and payload["latency"] is not None:
            try:
                latency = parse_delay(payload["latency"], "latency")
            except SteeringProblem as problem:
                errors.absorb(problem)
        elif "latency" in payload:
            latency = None
        error_rate = self.error_rate
        if "error_rate" in payload:
            rate = payload["error_rate"]
            message = rate_problem(rate)
            if message is None:
                error_rate = float(rate)
            else:
                errors.add("error_rate", message)
        errors.raise_if_any()
        self.latency, self.error_rate = latency, error_rate

    def reset(self) -> None:
        """No chaos, and both streams back at their start: the run begins again."""
        self.latency, self.error_rate = None, 0.0
        self._start_streams()

    def latency_seconds(self) -> float:
        """0.0 when no latency is set; otherwise one seeded draw."""
        if self.latency is None:
            return 0.0
        return self.latency.seconds(self._latency_rng)

    def fails(self) -> bool:
        """True with probability `error_rate`; a rate of 0 never fails, 1 always does."""
        if self.error_rate <= 0.0:
            return False
        return self._failure_rng.random() < self.error_rate


def rate_problem(rate: object) -> str | None:
    """What is wrong with `rate` as a probability, or None."""
    if not is_number(rate):
        return NOT_A_NUMBER
    assert isinstance(rate, int | float)
    if rate < 0:
        return at_least(0)
    if rate > 1:
        return at_most(1)
    return None
