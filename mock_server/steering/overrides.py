"""Run-time overrides: answers a client installs for the requests of one operation.

WireMock's rule decides between overrides of one operation: the most recently installed one
that matches answers. Unlike a plain stub server, an override's body is checked against the
document when it is installed, so a test cannot steer the mock outside the contract by
accident; `allow_invalid` does it on purpose, and the answer then says so.

The engine asks `has` on every request, so an operation nobody steers costs one dict lookup.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from mock_server.spec.index import OperationIndex
from mock_server.steering.contract import ResponseContract
from mock_server.steering.merge import merge_patch
from mock_server.steering.overrides_parse import OverrideParser, ParsedOverride
from mock_server.steering.plans import (
    FAULTS,
    NO_BODY,
    Fault,
    Match,
    Override,
    PlannedAnswer,
)
from mock_server.steering.problems import SteeringProblem
from mock_server.synthesis.validation import Validators

__all__ = [
    "FAULTS",
    "NO_BODY",
    "Fault",
    "Match",
    "Override",
    "OverrideBook",
    "PlannedAnswer",
    "merge_patch",
]

DEFAULT_LIMIT = 1000


class OverrideBook:
    """The installed overrides, per operation, newest last; at most `limit` of them."""

    def __init__(
        self,
        document: Mapping[str, Any],
        index: OperationIndex,
        validators: Validators,
        *,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self._index = index
        self._contract = ResponseContract(document, validators)
        self._parser = OverrideParser(index, self._contract)
        self._limit = limit
        # Both hold the same overrides: by id in installation order (dicts keep it), and per
        # operation in installation order. An operation with none has no key at all.
        self._by_id: dict[str, Override] = {}
        self._by_operation: dict[str, list[Override]] = {}
        self._installed = 0  # ids count every installation, so none is used twice
        # Control routes and the engine may run on different threads; a take must not
        # hand out one `times: 1` override twice.
        self._lock = threading.Lock()

    def empty_copy(self) -> OverrideBook:
        """A book with no overrides, sharing this one's contract and parser (a session's)."""
        book = object.__new__(OverrideBook)
        book._start_like(self)
        return book

    def _start_like(self, template: OverrideBook) -> None:
        """Empty, with `template`'s contract, parser and limit."""
        self._index, self._contract, self._parser = (
            template._index,
            template._contract,
            template._parser,
        )
        self._limit = template._limit
        self._by_id, self._by_operation, self._installed = {}, {}, 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, payload: Mapping[str, Any]) -> Override:
        """Install the override `payload` describes; a SteeringProblem says why not."""
        parsed = self._parser.parse(payload)
        with self._lock:
            if len(self._by_id) >= self._limit:
                raise self._full()
            override = self._made(parsed, self._new_id(payload))
            self._hold(override)
        return override

    def _full(self) -> SteeringProblem:
        return SteeringProblem.general(
            f"At most {self._limit} overrides can be installed at once; remove some first."
        )

    def _new_id(self, payload: Mapping[str, Any]) -> str:
        self._installed += 1
        return f"ov-{self._installed}"

    @staticmethod
    def _made(parsed: ParsedOverride, override_id: str) -> Override:
        return Override(
            id=override_id,
            operation_id=parsed.operation.operation_id,
            match=parsed.match,
            answers=parsed.answers,
            times=parsed.times,
            allow_invalid=parsed.allow_invalid,
            problems=parsed.problems if parsed.allow_invalid else (),
        )

    def _hold(self, override: Override) -> None:
        """Hold `override` (the lock held), the newest of its operation."""
        self._by_id[override.id] = override
        self._by_operation.setdefault(override.operation_id, []).append(override)

    def list(self) -> builtins.list[Override]:
        """Every installed override, in installation order."""
        with self._lock:
            return list(self._by_id.values())

    def get(self, override_id: str) -> Override | None:
        return self._by_id.get(override_id)

    def remove(self, override_id: str) -> bool:
        with self._lock:
            override = self._by_id.get(override_id)
            if override is None:
                return False
            self._drop(override)
            return True

    def clear(self) -> None:
        """Remove every override; ids go on counting from where they were."""
        with self._lock:
            self._by_id.clear()
            self._by_operation.clear()

    def has(self, operation_id: str) -> bool:
        return operation_id in self._by_operation

    def take(
        self,
        operation_id: str,
        path_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        body: Any,
    ) -> tuple[Override, PlannedAnswer] | None:
        """The answer of the newest override of the operation matching the request, counted as
        used; None when none matches. A spent override is removed. `body` is the request body
        as JSON (None when there is none or it is not JSON)."""
        if operation_id not in self._by_operation:
            return None
        with self._lock:
            for override in reversed(self._by_operation.get(operation_id, ())):
                if override.match.accepts(path_params, query, body):
                    answer = override.next_answer()
                    override.used += 1
                    if override.spent:
                        self._drop(override)
                    return override, answer
        return None

    def problems(self, operation_id: str, status: int, value: Any) -> builtins.list[str]:
        """What is wrong with `value` as the body of `status` of the operation, for a patched
        answer checked when it is made; [] when it is valid or when the declared response has
        no JSON schema to check it by."""
        operation = self._index.by_id.get(operation_id)
        if operation is None:
            return [f"{operation_id} is not an operation of the document"]
        return self._contract.body_problems(operation, status, value)

    def _drop(self, override: Override) -> None:
        """Forget `override` (the lock held); an operation left with none loses its key."""
        del self._by_id[override.id]
        siblings = self._by_operation[override.operation_id]
        # By identity: dataclass equality would compare every answer of every sibling.
        del siblings[next(i for i, other in enumerate(siblings) if other is override)]
        if not siblings:
            del self._by_operation[override.operation_id]
