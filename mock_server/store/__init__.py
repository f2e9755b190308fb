"""Records the mock holds, per resource type and scope, behind the `Store` interface.

`InMemoryStore` holds the seeded world; each session sees it through a `LayeredStore`, which
keeps only what the session wrote and hands each write, as a `Change`, to its `Backend`.
"""

from __future__ import annotations

from mock_server.store.base import Record, Scope, Store
from mock_server.store.changes import Backend, Backends, Change, FellBehind, Kind
from mock_server.store.layered import LayeredStore
from mock_server.store.memory import InMemoryStore

__all__ = [
    "Backend",
    "Backends",
    "Change",
    "FellBehind",
    "InMemoryStore",
    "Kind",
    "LayeredStore",
    "Record",
    "Scope",
    "Store",
]
