"""Steering: what a client asks of the mock beyond the contract's normal answers.

Per-request preferences, overrides installed at run time, and run-wide chaos (latency, a share
of failed answers). Pure values and parsers here; the engine and the control routes act on them.
"""

from __future__ import annotations

from mock_server.steering.chaos import Chaos
from mock_server.steering.delays import MAX_DELAY_MS, Delay, parse_delay
from mock_server.steering.merge import merge_patch
from mock_server.steering.overrides import OverrideBook
from mock_server.steering.plans import FAULTS, NO_BODY, Fault, Match, Override, PlannedAnswer
from mock_server.steering.problems import SteeringProblem

__all__ = [
    "FAULTS",
    "MAX_DELAY_MS",
    "NO_BODY",
    "Chaos",
    "Delay",
    "Fault",
    "Match",
    "Override",
    "OverrideBook",
    "PlannedAnswer",
    "SteeringProblem",
    "merge_patch",
    "parse_delay",
]
