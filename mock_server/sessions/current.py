"""The `Store` the handlers are given: whichever session the current request is in.

The handlers, the record factory, the linker and the aggregates hold one store for the
engine's life; this one answers each call from the current session's view (`SessionBook`), and
before sessions start (while the world is seeded) from the seeded store itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mock_server.store import InMemoryStore, Record, Scope, Store

if TYPE_CHECKING:
    from mock_server.sessions.book import SessionBook


class CurrentStore:
    def __init__(self, seeded: InMemoryStore) -> None:
        self.seeded = seeded
        self.book: SessionBook | None = None  # set when the sessions start

    @property
    def target(self) -> Store:
        return self.seeded if self.book is None else self.book.current().store

    def find(self, resource: str, scope: Scope) -> list[Record]:
        return self.target.find(resource, scope)

    def get(self, resource: str, scope: Scope, field: str, value: str) -> Record | None:
        return self.target.get(resource, scope, field, value)

    def add(self, resource: str, scope: Scope, data: dict[str, Any]) -> Record:
        return self.target.add(resource, scope, data)

    def remove(self, record: Record) -> None:
        self.target.remove(record)

    def update(self, record: Record, changes: Mapping[str, Any]) -> Record:
        return self.target.update(record, changes)

    def next_id(self, resource: str) -> int:
        return self.target.next_id(resource)

    def claim_seed(self, resource: str, scope: Scope) -> bool:
        return self.target.claim_seed(resource, scope)

    def counts(self) -> dict[str, int]:
        return self.target.counts()

    def dump(self) -> dict[str, Any]:
        return self.target.dump()

    def load(self, dumped: Mapping[str, Any]) -> None:
        self.target.load(dumped)

    def snapshot(self) -> object:
        return self.target.snapshot()

    def restore(self, snapshot: object) -> None:
        self.target.restore(snapshot)
