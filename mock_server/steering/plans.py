"""What an installed override is: which requests it matches and the answers it makes.

Plain values: `OverrideBook` (overrides.py) installs and hands them out, the engine acts on
them. `overrides.py` re-exports every name here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mock_server.steering.delays import Delay
from mock_server.steering.merge import json_contains

Fault = Literal["reset", "empty", "malformed"]
FAULTS: frozenset[str] = frozenset({"reset", "empty", "malformed"})


class _Absent(enum.Enum):
    # An enum member survives copy and pickle as itself, so `body is NO_BODY` always holds;
    # None cannot mark "no body given", since `"body": null` is an answer of its own.
    NO_BODY = "NO_BODY"


NO_BODY: Final = _Absent.NO_BODY


@dataclass(frozen=True)
class PlannedAnswer:
    """One answer an override makes."""

    status: int | None = None  # None: whatever status the mock would have answered
    body: Any = NO_BODY  # replaces the body the mock would have answered
    patch: Mapping[str, Any] | None = None  # JSON merge patch (RFC 7386) of the mock's answer
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: Delay | None = None
    fault: Fault | None = None
    # Contract problems of `body` found at installation (kept only with allow_invalid), for
    # the engine to name in X-Mock-Response-Problems when it sends this answer.
    problems: tuple[str, ...] = ()

    @property
    def has_body(self) -> bool:
        return self.body is not NO_BODY

    def to_json(self) -> dict[str, Any]:
        """The installed form: only what was given."""
        shown: dict[str, Any] = {}
        if self.status is not None:
            shown["status"] = self.status
        if self.has_body:
            shown["body"] = self.body
        if self.patch is not None:
            shown["patch"] = self.patch
        if self.headers:
            shown["headers"] = dict(self.headers)
        if self.delay is not None:
            shown["delay"] = self.delay.to_json()
        if self.fault is not None:
            shown["fault"] = self.fault
        return shown


@dataclass(frozen=True)
class Match:
    """Which requests of the operation an override answers; an empty match answers all.

    Path and query values compare as text; a query name compares by the request's last value
    of it, the one Django hands a view. `body` is a JSON object the request's body contains.
    """

    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None

    def accepts(
        self, path_params: Mapping[str, str], query: Sequence[tuple[str, str]], body: Any
    ) -> bool:
        for name, value in self.path.items():
            if path_params.get(name) != value:
                return False
        if self.query:
            last = dict(query)  # a later pair of the same name overwrites an earlier one
            for name, value in self.query.items():
                if last.get(name) != value:
                    return False
        return self.body is None or json_contains(body, self.body)

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        if self.path:
            shown["path"] = dict(self.path)
        if self.query:
            shown["query"] = dict(self.query)
        if self.body is not None:
            shown["body"] = self.body
        return shown


@dataclass
class Override:
    id: str  # "ov-1", "ov-2", ... in installation order
    operation_id: str
    match: Match
    answers: tuple[PlannedAnswer, ...]  # one, or a sequence answered in turn
    times: int | None  # answer this many times, then the override is gone; None: forever
    allow_invalid: bool
    used: int = 0
    problems: tuple[str, ...] = ()  # contract problems of its answers (only with allow_invalid)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.used, 0)

    @property
    def spent(self) -> bool:
        return self.times is not None and self.used >= self.times

    def next_answer(self) -> PlannedAnswer:
        """The answer due now: a sequence's entries in turn, then its last entry again."""
        return self.answers[min(self.used, len(self.answers) - 1)]

    def to_json(self) -> dict[str, Any]:
        """What GET /__mock__/overrides shows: the installed form (which `add` takes back) plus
        id, used and remaining (None if unlimited)."""
        shown: dict[str, Any] = {"id": self.id, "operation": self.operation_id}
        if self.match.to_json():
            shown["match"] = self.match.to_json()
        if len(self.answers) == 1:
            shown.update(self.answers[0].to_json())
        else:
            shown["sequence"] = [answer.to_json() for answer in self.answers]
        shown["times"] = self.times
        shown["allow_invalid"] = self.allow_invalid
        shown["used"] = self.used
        shown["remaining"] = self.remaining
        shown["problems"] = list(self.problems)
        return shown
