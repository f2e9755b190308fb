"""The default `Store`: dicts in memory, one lock, snapshots for reset."""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.store.base import Record, Scope


class InMemoryStore:
    """Thread-safe: every method holds the lock, so concurrent requests see whole changes."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: dict[str, list[Record]] = defaultdict(list)
        self._ids: dict[str, int] = defaultdict(int)
        self._deleted: set[tuple[str, str, str]] = set()
        self._seeded: set[tuple[str, frozenset[tuple[str, str]]]] = set()
        # (resource, field) -> the field's value as text -> records; built on the first `get`
        # by that field, kept up to date by `add` and `remove`.
        self._keyed: dict[tuple[str, str], dict[str, list[Record]]] = {}

    def find(self, resource: str, scope: Scope) -> list[Record]:
        with self._lock:
            return [r for r in self._records.get(resource, ()) if r.visible_from(scope)]

    def get(self, resource: str, scope: Scope, field: str, value: str) -> Record | None:
        with self._lock:
            for record in self._index(resource, field).get(value, ()):
                if str(record.data.get(field)) == value and record.visible_from(scope):
                    return record
            # A write may have changed the field since the record was indexed: only a full
            # look can say there is no such record.
            for record in self._records.get(resource, ()):
                if str(record.data.get(field)) == value and record.visible_from(scope):
                    return record
            return None

    def _index(self, resource: str, field: str) -> dict[str, list[Record]]:
        index = self._keyed.get((resource, field))
        if index is None:
            index = defaultdict(list)
            for record in self._records.get(resource, ()):
                index[str(record.data.get(field))].append(record)
            self._keyed[(resource, field)] = index
        return index

    def add(self, resource: str, scope: Scope, data: dict[str, Any]) -> Record:
        record = Record(resource, dict(scope), data)
        with self._lock:
            self._records[resource].append(record)
            for (indexed, field), index in self._keyed.items():
                if indexed == resource:
                    index[str(data.get(field))].append(record)
            identifier = data.get("id")
            if isinstance(identifier, int) and identifier > self._ids[resource]:
                self._ids[resource] = identifier
        return record

    def remove(self, record: Record) -> None:
        with self._lock:
            records = self._records.get(record.resource, [])
            if record in records:
                records.remove(record)
            for (indexed, _), index in self._keyed.items():
                if indexed == record.resource:
                    for listed in index.values():
                        if record in listed:
                            listed.remove(record)
            for field in ("id", "unique_id", "slug", "name", "username", "uuid"):
                if field in record.data:
                    self._deleted.add((record.resource, field, str(record.data[field])))

    def next_id(self, resource: str) -> int:
        with self._lock:
            self._ids[resource] += 1
            return self._ids[resource]

    def is_deleted(self, resource: str, field: str, value: str) -> bool:
        with self._lock:
            return (resource, field, value) in self._deleted

    def claim_seed(self, resource: str, scope: Scope) -> bool:
        key = (resource, frozenset(scope.items()))
        with self._lock:
            if key in self._seeded:
                return False
            self._seeded.add(key)
            return True

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                name: len(records) for name, records in sorted(self._records.items()) if records
            }

    def dump(self) -> dict[str, Any]:
        """Everything the store holds, as JSON values (for the on-disk cache of the world)."""
        with self._lock:
            return {
                "records": [
                    [r.resource, r.scope, r.data] for rs in self._records.values() for r in rs
                ],
                "ids": dict(self._ids),
                "deleted": sorted(self._deleted),
                "seeded": sorted([resource, sorted(scope)] for resource, scope in self._seeded),
            }

    def load(self, dumped: Mapping[str, Any]) -> None:
        """Replace the contents with what `dump` returned."""
        records: dict[str, list[Record]] = defaultdict(list)
        for resource, scope, data in dumped["records"]:
            records[resource].append(Record(resource, scope, data))
        with self._lock:
            self._records = records
            self._ids = defaultdict(int, dumped["ids"])
            self._deleted = {(r, f, v) for r, f, v in dumped["deleted"]}
            self._seeded = {
                (r, frozenset((k, v) for k, v in scope)) for r, scope in dumped["seeded"]
            }
            self._keyed = {}

    def snapshot(self) -> object:
        with self._lock:
            state = _Snapshot(
                dict(self._records), dict(self._ids), set(self._deleted), set(self._seeded)
            )
            return copy.deepcopy(state)

    def restore(self, snapshot: object) -> None:
        if not isinstance(snapshot, _Snapshot):
            raise TypeError("not a snapshot of an InMemoryStore")
        saved = copy.deepcopy(snapshot)
        with self._lock:
            self._records = defaultdict(list, saved.records)
            self._ids = defaultdict(int, saved.ids)
            self._deleted = saved.deleted
            self._seeded = saved.seeded
            self._keyed = {}


@dataclass(frozen=True)
class _Snapshot:
    records: dict[str, list[Record]]
    ids: dict[str, int]
    deleted: set[tuple[str, str, str]]
    seeded: set[tuple[str, frozenset[tuple[str, str]]]]
