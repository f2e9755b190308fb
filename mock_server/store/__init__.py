"""Records the mock holds, per resource type and scope, behind the `Store` interface."""

from __future__ import annotations

from mock_server.store.base import Record, Scope, Store
from mock_server.store.memory import InMemoryStore

__all__ = ["InMemoryStore", "Record", "Scope", "Store"]
