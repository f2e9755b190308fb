"""The default `Store`: dicts in memory, one lock, snapshots for reset.

Records of a type are kept in buckets, one per exact scope, and each (scope name, value) pair
knows the buckets whose scope carries it. A lookup from a scope visits only the buckets whose
scope contains every pair of it (the intersection of those pairs' buckets), so a list costs what
it shows, however many records other scopes hold. Every held record carries a sequence number
from the store: buckets are merged by it (oldest first), and a record is removed or updated as
that record, never as another one with equal data.
"""

from __future__ import annotations

import heapq
import threading
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.store.base import Record, Scope

# A bucket's key: the exact scope its records were created in.
_Where = frozenset[tuple[str, str]]


@dataclass(slots=True)
class _Held:
    """One held record, with what it is filed under (so removal never has to search)."""

    record: Record
    where: _Where
    # field -> the text the record is indexed under in `_Kind.keyed[field]`
    keys: dict[str, str] = field(default_factory=dict)


class _Kind:
    """The records of one resource type."""

    __slots__ = ("buckets", "by_pair", "held", "keyed")

    def __init__(self) -> None:
        # seq -> record, oldest first (seqs only grow, and rebuilds insert in seq order)
        self.held: dict[int, _Held] = {}
        # exact scope -> seq -> record, oldest first; never empty
        self.buckets: dict[_Where, dict[int, Record]] = {}
        # (scope name, value) -> the buckets whose scope carries it; never empty
        self.by_pair: dict[tuple[str, str], set[_Where]] = {}
        # field -> the field's value as text -> seq -> record; a field's index is built on the
        # first `get` by it, then kept by `add`, `update` and `remove`.
        self.keyed: dict[str, dict[str, dict[int, Record]]] = {}

    def insert(self, record: Record) -> None:
        where = frozenset(record.scope.items())
        held = _Held(record, where)
        self.held[record.seq] = held
        bucket = self.buckets.get(where)
        if bucket is None:
            bucket = self.buckets[where] = {}
            for pair in where:
                self.by_pair.setdefault(pair, set()).add(where)
        bucket[record.seq] = record
        for name, index in self.keyed.items():
            _file(index, held, name)

    def reorder(self, where: _Where) -> None:
        """Seq order again, after a record was inserted below the newest (`put`)."""
        self.held = dict(sorted(self.held.items()))
        self.buckets[where] = dict(sorted(self.buckets[where].items()))

    def delete(self, held: _Held) -> None:
        seq = held.record.seq
        del self.held[seq]
        bucket = self.buckets[held.where]
        del bucket[seq]
        if not bucket:
            del self.buckets[held.where]
            for pair in held.where:
                carriers = self.by_pair[pair]
                carriers.discard(held.where)
                if not carriers:
                    del self.by_pair[pair]
        for name, text in held.keys.items():
            _unfile(self.keyed[name], text, seq)

    def index(self, name: str) -> dict[str, dict[int, Record]]:
        index = self.keyed.get(name)
        if index is None:
            index = self.keyed[name] = {}
            for held in self.held.values():
                _file(index, held, name)
        return index

    def visible(self, scope: Scope) -> list[Record]:
        if not scope:
            return [held.record for held in self.held.values()]
        carriers: list[set[_Where]] = []
        for pair in scope.items():
            found = self.by_pair.get(pair)
            if not found:
                return []
            carriers.append(found)
        carriers.sort(key=len)
        smallest, others = carriers[0], carriers[1:]
        chosen = [self.buckets[w] for w in smallest if all(w in other for other in others)]
        if len(chosen) == 1:
            return list(chosen[0].values())
        return list(heapq.merge(*(bucket.values() for bucket in chosen), key=_seq))


def _seq(record: Record) -> int:
    return record.seq


def _text(data: Mapping[str, Any], name: str) -> str | None:
    """What a record is indexed under for a field: its value as text; nothing when absent."""
    return str(data[name]) if name in data else None


def _file(index: dict[str, dict[int, Record]], held: _Held, name: str) -> None:
    text = _text(held.record.data, name)
    if text is not None:
        index.setdefault(text, {})[held.record.seq] = held.record
        held.keys[name] = text


def _unfile(index: dict[str, dict[int, Record]], text: str, seq: int) -> None:
    listed = index[text]
    del listed[seq]
    if not listed:
        del index[text]


class InMemoryStore:
    """Thread-safe: every method holds the lock, so concurrent requests see whole changes."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._kinds: dict[str, _Kind] = {}
        self._seq = 0
        self._ids: dict[str, int] = defaultdict(int)
        self._seeded: set[tuple[str, frozenset[tuple[str, str]]]] = set()

    def find(self, resource: str, scope: Scope) -> list[Record]:
        with self._lock:
            kind = self._kinds.get(resource)
            return [] if kind is None else kind.visible(scope)

    def get(
        self,
        resource: str,
        scope: Scope,
        field: str,
        value: str,
        *,
        excluding: Collection[int] = (),
    ) -> Record | None:
        """`excluding`: seqs to pass over (a layer above this store hides them)."""
        with self._lock:
            kind = self._kinds.get(resource)
            if kind is None:
                return None
            oldest: Record | None = None
            for seq, record in kind.index(field).get(value, {}).items():
                if (
                    (oldest is None or seq < oldest.seq)
                    and seq not in excluding
                    and record.visible_from(scope)
                ):
                    oldest = record
            return oldest

    def held(self, resource: str, seq: int) -> Record | None:
        """The record of `resource` this store holds under `seq`, if any."""
        with self._lock:
            kind = self._kinds.get(resource)
            found = None if kind is None else kind.held.get(seq)
            return None if found is None else found.record

    def put(self, record: Record) -> Record:
        """Hold `record` under the seq it already has (a layer's copy keeps its original's
        place in the order); a record held under that seq is replaced."""
        with self._lock:
            kind = self._kinds.get(record.resource)
            if kind is None:
                kind = self._kinds[record.resource] = _Kind()
            previous = kind.held.get(record.seq)
            if previous is not None:
                kind.delete(previous)
            newest = next(reversed(kind.held), 0)  # `held` is in seq order: O(1)
            kind.insert(record)
            if record.seq < newest:
                kind.reorder(frozenset(record.scope.items()))
            self._seq = max(self._seq, record.seq)
            self._note_id(record.resource, record.data)
        return record

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def highest_id(self, resource: str) -> int:
        with self._lock:
            return self._ids.get(resource, 0)

    def add(self, resource: str, scope: Scope, data: dict[str, Any]) -> Record:
        record = Record(resource, dict(scope), data)
        with self._lock:
            self._seq += 1
            record.seq = self._seq
            kind = self._kinds.get(resource)
            if kind is None:
                kind = self._kinds[resource] = _Kind()
            kind.insert(record)
            self._note_id(resource, data)
        return record

    def update(self, record: Record, changes: Mapping[str, Any]) -> Record:
        with self._lock:
            record.data.update(changes)
            held = self._held(record)
            if held is None:
                return record  # removed meanwhile: the caller's copy changes, nothing held
            kind = self._kinds[record.resource]
            # Every indexed field, not only those in `changes`: one update also mends a key
            # written in place before it.
            for name, index in kind.keyed.items():
                old = held.keys.get(name)
                if old != _text(record.data, name):
                    if old is not None:
                        _unfile(index, old, record.seq)
                        del held.keys[name]
                    _file(index, held, name)
            self._note_id(record.resource, record.data)
        return record

    def remove(self, record: Record) -> None:
        with self._lock:
            held = self._held(record)
            if held is None:
                return
            self._kinds[record.resource].delete(held)

    def _held(self, record: Record) -> _Held | None:
        """The store's entry for this very record (not for an equal one), if it holds it."""
        kind = self._kinds.get(record.resource)
        held = None if kind is None else kind.held.get(record.seq)
        return held if held is not None and held.record is record else None

    def _note_id(self, resource: str, data: Mapping[str, Any]) -> None:
        identifier = data.get("id")
        if isinstance(identifier, int) and identifier > self._ids[resource]:
            self._ids[resource] = identifier

    def next_id(self, resource: str) -> int:
        with self._lock:
            self._ids[resource] += 1
            return self._ids[resource]

    def claim_seed(self, resource: str, scope: Scope) -> bool:
        key = (resource, frozenset(scope.items()))
        with self._lock:
            if key in self._seeded:
                return False
            self._seeded.add(key)
            return True

    def claims(self) -> frozenset[tuple[str, frozenset[tuple[str, str]]]]:
        """The (resource, scope) pairs seeded so far."""
        with self._lock:
            return frozenset(self._seeded)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {name: len(kind.held) for name, kind in sorted(self._kinds.items()) if kind.held}

    def dump(self) -> dict[str, Any]:
        """Everything the store holds, as JSON values (for the on-disk cache of the world).

        Records are listed per type (types in the order they first appeared), oldest first.
        """
        with self._lock:
            return {
                "records": [
                    [h.record.resource, h.record.scope, h.record.data]
                    for kind in self._kinds.values()
                    for h in kind.held.values()
                ],
                "ids": dict(self._ids),
                "seeded": sorted([resource, sorted(scope)] for resource, scope in self._seeded),
            }

    def load(self, dumped: Mapping[str, Any]) -> None:
        """Replace the contents with what `dump` returned."""
        with self._lock:
            kinds: dict[str, _Kind] = {}
            for resource, scope, data in dumped["records"]:
                self._seq += 1
                kind = kinds.get(resource)
                if kind is None:
                    kind = kinds[resource] = _Kind()
                kind.insert(Record(resource, scope, data, self._seq))
            self._kinds = kinds
            self._ids = defaultdict(int, dumped["ids"])
            self._seeded = {
                (r, frozenset((k, v) for k, v in scope)) for r, scope in dumped["seeded"]
            }

    def snapshot(self) -> object:
        """Copies of the records' field maps, sharing the field values: values are replaced,
        never changed in place, so copying them (a deep copy, 0.1 s at start-up) buys nothing."""
        with self._lock:
            return _Snapshot(
                [
                    (
                        resource,
                        [
                            (dict(h.record.scope), dict(h.record.data), seq)
                            for seq, h in kind.held.items()
                        ],
                    )
                    for resource, kind in self._kinds.items()
                ],
                dict(self._ids),
                frozenset(self._seeded),
            )

    def restore(self, snapshot: object) -> None:
        """Go back to the snapshot: its records (with field maps of their own, so it can be
        restored again), in their order; the indexes are rebuilt from them."""
        if not isinstance(snapshot, _Snapshot):
            raise TypeError("not a snapshot of an InMemoryStore")
        kinds: dict[str, _Kind] = {}
        highest = 0
        for resource, records in snapshot.kinds:
            kind = kinds[resource] = _Kind()
            for scope, data, seq in records:
                kind.insert(Record(resource, dict(scope), dict(data), seq))
                highest = max(highest, seq)
        with self._lock:
            # A snapshot of another store may hold seqs this one has not given yet.
            self._seq = max(self._seq, highest)
            # The restored records keep their seqs; new ones come after every seq ever given,
            # so a record object from before the restore can never pass for a later one.
            self._kinds = kinds
            self._ids = defaultdict(int, snapshot.ids)
            self._seeded = set(snapshot.seeded)


@dataclass(frozen=True)
class _Snapshot:
    # resource -> its records as (scope, data, seq), oldest first, types in first-seen order
    kinds: list[tuple[str, list[tuple[dict[str, str], dict[str, Any], int]]]]
    ids: dict[str, int]
    seeded: frozenset[tuple[str, frozenset[tuple[str, str]]]]
