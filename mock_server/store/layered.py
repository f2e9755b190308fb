"""A session's view of the world: the seeded records, shared and never written, under what
this session wrote itself (copy-on-write).

The seeded store is built once per process and is the same in every process (the same seed,
document and world give the same records). A session holds only its own writes: the records
it added, its own copy of each seeded record it changed (under the seeded record's seq, so it
keeps its place in the order), and the seqs of the seeded records it removed or copied
(`_hidden`). A new session costs a few empty dicts; a session's memory grows with what it
writes. Every write is a `Change` applied to this replica, through the session's `Backend`
when there is one (see changes.py).
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mock_server.store.base import Record, Scope
from mock_server.store.changes import Backend, Change, FellBehind, Kind
from mock_server.store.memory import InMemoryStore

# Every this many writes, the backend's log is measured against what the replica holds.
COMPACT_EVERY = 256


def scope_key(resource: str, scope: Scope) -> tuple[str, frozenset[tuple[str, str]]]:
    return (resource, frozenset(scope.items()))


class LayeredStore:
    """The `Store` one session sees. Thread-safe: one lock around the replica."""

    def __init__(self, seeded: InMemoryStore, backend: Backend | None = None) -> None:
        self._seeded = seeded
        self._seeded_claims = seeded.claims()
        self._backend = backend
        self._lock = threading.RLock()
        self._own = InMemoryStore()
        self._hidden: dict[str, set[int]] = {}
        self._claims: set[tuple[str, frozenset[tuple[str, str]]]] = set()
        self._ids: dict[str, int] = {}
        self._seq = 0
        self._writes = 0  # since the log's length was last looked at
        if backend is not None:
            self._rebuild()

    # Reads: the seeded records not hidden, merged in seq order with the session's own.

    def find(self, resource: str, scope: Scope) -> list[Record]:
        with self._lock:
            seeded = self._seeded.find(resource, scope)
            hidden = self._hidden.get(resource)
            if hidden:
                seeded = [r for r in seeded if r.seq not in hidden]
            own = self._own.find(resource, scope)
        if not own:
            return seeded
        if not seeded:
            return own
        return list(heapq.merge(seeded, own, key=_seq))

    def get(self, resource: str, scope: Scope, field: str, value: str) -> Record | None:
        with self._lock:
            hidden = self._hidden.get(resource, ())
            seeded = self._seeded.get(resource, scope, field, value, excluding=hidden)
            own = self._own.get(resource, scope, field, value)
        if seeded is None or (own is not None and own.seq < seeded.seq):
            return own
        return seeded

    def counts(self) -> dict[str, int]:
        with self._lock:
            seeded, own = self._seeded.counts(), self._own.counts()
            counted = {
                resource: seeded.get(resource, 0)
                - len(self._hidden.get(resource, ()))
                + own.get(resource, 0)
                for resource in seeded.keys() | own.keys()
            }
        return {resource: n for resource, n in sorted(counted.items()) if n}

    def written(self) -> int:
        """How many records this session holds of its own (what it costs beyond the seed)."""
        with self._lock:
            return sum(self._own.counts().values())

    # Writes: each one a Change, kept by the backend (if any) and applied here.

    def add(self, resource: str, scope: Scope, data: dict[str, Any]) -> Record:
        with self._lock:
            floor = max(self._seeded.last_seq, self._seq)
            seq = floor + 1 if self._backend is None else self._backend.next_seq(floor)
            self._write(Change(Kind.ADD, resource, seq, dict(scope), data))
            held = self._own.held(resource, seq)
        return held if held is not None else Record(resource, dict(scope), data, seq)

    def update(self, record: Record, changes: Mapping[str, Any]) -> Record:
        with self._lock:
            if self._current(record.resource, record.seq) is None:
                record.data.update(changes)  # removed meanwhile: only the caller's copy
                return record
            self._write(Change(Kind.MERGE, record.resource, record.seq, data=dict(changes)))
            current = self._current(record.resource, record.seq)
        return current if current is not None else record

    def remove(self, record: Record) -> None:
        with self._lock:
            if self._current(record.resource, record.seq) is not None:
                self._write(Change(Kind.REMOVE, record.resource, record.seq))

    def next_id(self, resource: str) -> int:
        with self._lock:
            floor = max(self._seeded.highest_id(resource), self._own.highest_id(resource))
            floor = max(floor, self._ids.get(resource, 0))
            given = floor + 1 if self._backend is None else self._backend.next_id(resource, floor)
            self._ids[resource] = given
            return given

    def claim_seed(self, resource: str, scope: Scope) -> bool:
        key = scope_key(resource, scope)
        with self._lock:
            if key in self._seeded_claims or key in self._claims:
                return False
            if self._backend is not None and not self._backend.claim(resource, dict(scope)):
                self._claims.add(key)  # another process seeds it; its records come through
                return False
            self._claims.add(key)
            return True

    def reset(self) -> None:
        """Back to the seeded world, counters included."""
        with self._lock:
            self._write(Change(Kind.RESET))

    def refresh(self) -> None:
        """Apply what other processes wrote to this session since this replica last looked."""
        if self._backend is None:
            return
        with self._lock:
            try:
                self._apply_all(self._backend.since())
            except FellBehind:
                self._rebuild()

    def _write(self, change: Change) -> None:
        if self._backend is None:
            self._apply(change)
            return
        try:
            self._apply_all(self._backend.keep(change))
        except FellBehind:
            self._rebuild()  # the backend kept the change before it said so: rebuilt with it
        self._writes += 1
        if self._writes >= COMPACT_EVERY:
            self._writes = 0
            self._compact()

    def _compact(self) -> None:
        """Replace the backend's log with this replica's snapshot once it is much longer."""
        assert self._backend is not None
        if self._backend.kept() > 2 * self._snapshot_bound() + COMPACT_EVERY:
            held = self._snapshot_changes()  # built only when it replaces the log: O(1) a write
            self._backend.compact(held)  # refused if another process wrote meanwhile: later

    def _snapshot_bound(self) -> int:
        """At least the length of `_snapshot_changes()`, counted without building it."""
        with self._lock:
            hidden = sum(len(seqs) for seqs in self._hidden.values())
            return self.written() + hidden + len(self._claims) + 1

    def _rebuild(self) -> None:
        assert self._backend is not None
        self._clear()
        self._apply_all(self._backend.state())

    def _apply_all(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self._apply(change)

    def _apply(self, change: Change) -> None:
        """The one place the replica changes: every process applies the same changes alike."""
        kind, resource, seq = change.kind, change.resource, change.seq
        if kind is Kind.ADD:
            self._own.put(Record(resource, dict(change.scope), dict(change.data), seq))
            if self._seeded.held(resource, seq) is not None:
                self._hidden.setdefault(resource, set()).add(seq)  # a restored copy
            self._seq = max(self._seq, seq)
        elif kind is Kind.MERGE:
            own = self._own.held(resource, seq)
            if own is not None:
                self._own.update(own, change.data)
                return
            seeded = self._visible_seeded(resource, seq)
            if seeded is not None:  # copy on write, in its place in the order
                copy = Record(resource, dict(seeded.scope), {**seeded.data, **change.data}, seq)
                self._own.put(copy)
                self._hidden.setdefault(resource, set()).add(seq)
        elif kind is Kind.REMOVE:
            own = self._own.held(resource, seq)
            if own is not None:
                self._own.remove(own)
            if self._seeded.held(resource, seq) is not None:
                self._hidden.setdefault(resource, set()).add(seq)
        elif kind is Kind.CLAIM:
            self._claims.add(scope_key(resource, change.scope))
        elif kind is Kind.IDS:
            for name, highest in change.data.items():
                self._ids[name] = max(self._ids.get(name, 0), int(highest))
        elif kind is Kind.RESET:
            self._clear()

    def _clear(self) -> None:
        self._own = InMemoryStore()
        self._hidden = {}
        self._claims = set()
        self._ids = {}
        self._seq = 0

    def _visible_seeded(self, resource: str, seq: int) -> Record | None:
        if seq in self._hidden.get(resource, ()):
            return None
        return self._seeded.held(resource, seq)

    def _current(self, resource: str, seq: int) -> Record | None:
        own = self._own.held(resource, seq)
        return own if own is not None else self._visible_seeded(resource, seq)

    # Whole contents: dumps for exports, snapshots for named restores.

    def dump(self) -> dict[str, Any]:
        """The view as `InMemoryStore.dump` writes it (records per type, oldest first)."""
        with self._lock:
            resources = list(dict.fromkeys([*self._seeded.counts(), *self._own.counts()]))
            records = [
                [r.resource, r.scope, r.data]
                for resource in resources
                for r in self.find(resource, {})
            ]
            ids = {
                resource: max(self._seeded.highest_id(resource), self._own.highest_id(resource))
                for resource in resources
            }
            ids.update({k: max(v, ids.get(k, 0)) for k, v in self._ids.items()})
            claims = self._seeded_claims | self._claims
        return {
            "records": records,
            "ids": {k: v for k, v in ids.items() if v},
            "seeded": sorted([resource, sorted(scope)] for resource, scope in claims),
        }

    def load(self, dumped: Mapping[str, Any]) -> None:
        """Replace the view with a dump's records (the seeded ones hidden, the dump's added)."""
        changes = [Change(Kind.RESET)]
        for resource in self._seeded.counts():
            changes += [
                Change(Kind.REMOVE, resource, r.seq) for r in self._seeded.find(resource, {})
            ]
        seq = self._seeded.last_seq
        for resource, scope, data in dumped["records"]:
            seq += 1
            changes.append(Change(Kind.ADD, resource, seq, dict(scope), data))
        changes += [
            Change(Kind.CLAIM, resource, scope=dict(scope)) for resource, scope in dumped["seeded"]
        ]
        changes.append(Change(Kind.IDS, data=dict(dumped["ids"])))
        self._replay(changes)

    def snapshot(self) -> object:
        """This session's own writes, to `restore` later (values shared: never changed in
        place, `update` replaces a field's value)."""
        return _Snapshot(self._snapshot_changes())

    def _snapshot_changes(self) -> tuple[Change, ...]:
        with self._lock:
            own = [
                Change(Kind.ADD, r.resource, r.seq, dict(r.scope), dict(r.data))
                for resource in self._own.counts()
                for r in self._own.find(resource, {})
            ]
            copied = {(c.resource, c.seq) for c in own}
            removed = [
                Change(Kind.REMOVE, resource, seq)
                for resource, seqs in self._hidden.items()
                for seq in sorted(seqs)
                if (resource, seq) not in copied
            ]
            claims = [
                Change(Kind.CLAIM, resource, scope=dict(scope)) for resource, scope in self._claims
            ]
            ids = Change(Kind.IDS, data=dict(self._ids))
            return (*own, *removed, *claims, ids)

    def restore(self, snapshot: object) -> None:
        if not isinstance(snapshot, _Snapshot):
            raise TypeError("not a snapshot of a LayeredStore")
        self._replay([Change(Kind.RESET), *snapshot.changes])

    def _replay(self, changes: Sequence[Change]) -> None:
        with self._lock:
            for change in changes:
                self._write(change)


@dataclass(frozen=True)
class _Snapshot:
    changes: tuple[Change, ...]


def _seq(record: Record) -> int:
    return record.seq
