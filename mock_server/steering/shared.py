"""Overrides and chaos settings kept where every worker sees them (`--store redis://`).

Each process holds the session's overrides parsed, as the in-process book does, so a request
nobody steers still costs one dict lookup. What changes them (install, remove, clear, a new
setting) is kept first and then applied here; a process that finds the kept steering moved
(`sync`, at the start of a request) reloads it. Uses are counted where they are kept, so an
override limited to `times` answers makes exactly that many across every worker, and a
sequence's answers come in turn whichever worker answers.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from mock_server.steering.chaos import Chaos
from mock_server.steering.overrides import Override, OverrideBook, PlannedAnswer
from mock_server.steering.problems import SteeringProblem
from mock_server.store.shared import KeptSteering, OverrideLimit, SteeringKeep


class SharedOverrideBook(OverrideBook):
    """A session's overrides, kept in `keep`."""

    def __init__(self, template: OverrideBook, keep: SteeringKeep) -> None:
        self._start_like(template)
        self._keep = keep

    def _new_id(self, payload: Mapping[str, Any]) -> str:
        try:
            return self._keep.install(payload, self._limit)
        except OverrideLimit:
            raise self._full() from None

    def reload(self, kept: KeptSteering) -> None:
        """Hold what is kept: overrides held already are kept as they are (an installed
        override never changes), new ones are parsed, removed ones forgotten."""
        with self._lock:
            held = self._by_id
            self._by_id, self._by_operation = {}, {}
            for override_id, payload in kept.overrides:
                override = held.get(override_id)
                if override is None:
                    try:
                        override = self._made(self._parser.parse(payload), override_id)
                    except SteeringProblem:
                        continue  # checked when installed, against this same document
                override.used = kept.uses.get(override_id, 0)
                self._hold(override)

    def list(self) -> builtins.list[Override]:
        uses = self._keep.uses()
        overrides = super().list()
        for override in overrides:
            override.used = uses.get(override.id, override.used)
        return overrides

    def get(self, override_id: str) -> Override | None:
        override = super().get(override_id)
        if override is not None:
            override.used = self._keep.uses().get(override_id, override.used)
        return override

    def remove(self, override_id: str) -> bool:
        kept = self._keep.remove(override_id)
        return super().remove(override_id) or kept

    def clear(self) -> None:
        self._keep.clear()
        super().clear()

    def take(
        self,
        operation_id: str,
        path_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        body: Any,
    ) -> tuple[Override, PlannedAnswer] | None:
        if operation_id not in self._by_operation:
            return None
        with self._lock:
            for override in reversed(list(self._by_operation.get(operation_id, ()))):
                if not override.match.accepts(path_params, query, body):
                    continue
                uses = self._keep.use(override.id)
                if uses == 0 or (override.times is not None and uses > override.times):
                    self._drop(override)  # removed, or spent, by another worker
                    continue
                override.used = uses
                answer = override.answers[min(uses - 1, len(override.answers) - 1)]
                if override.spent:
                    self._drop(override)
                    self._keep.remove(override.id)
                return override, answer
        return None


class SharedChaos(Chaos):
    """A session's chaos settings, kept in `keep`. Each process draws from its own seeded
    streams: which requests fail depends on which worker answers them."""

    def __init__(self, keep: SteeringKeep, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self._keep = keep

    def update(self, payload: Mapping[str, Any]) -> None:
        super().update(payload)
        self._keep.set_chaos(self.to_json())

    def reset(self) -> None:
        super().reset()
        self._keep.set_chaos(self.to_json())

    def reload(self, settings: Mapping[str, Any] | None) -> None:
        """Take the kept settings (None: never set in this session; these stay)."""
        if settings is not None:
            Chaos.update(self, settings)


def shared_steering(
    template: OverrideBook, chaos: Chaos, keep: SteeringKeep
) -> tuple[SharedOverrideBook, SharedChaos]:
    """A session's book and chaos kept in `keep`, holding what is kept already; `chaos` (the
    run's defaults) where the session has no settings of its own yet."""
    book = SharedOverrideBook(template, keep)
    shared = SharedChaos(keep, seed=chaos.seed)
    Chaos.update(shared, chaos.to_json())
    kept = keep.load()
    book.reload(kept)
    shared.reload(kept.chaos)
    return book, shared


def sync(book: SharedOverrideBook, chaos: SharedChaos, keep: SteeringKeep) -> None:
    """Reload the steering if another process changed it since this one last looked."""
    if keep.changed():
        kept = keep.load()
        book.reload(kept)
        chaos.reload(kept.chaos)
