"""What the contract modules share about running hypothesis (no schema is built here)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def deterministic(examples: int) -> settings:
    """The same cases on every run (derandomized, no example database), so CI never turns red
    by chance; no deadline and no health checks on a 2-core machine."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
