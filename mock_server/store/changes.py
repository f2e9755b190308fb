"""What a session's view writes, as values, and where those values are kept.

Every write to a session (`LayeredStore`) is one `Change`. The view applies changes to the
records it holds in this process (its replica); a `Backend` keeps them beyond the process:
durably in SQLite (`--data`), or shared by every worker in Redis (`--store redis://`). The
in-memory mock has no backend: the replica is all there is.

Both backends keep each session as a log of changes. A backend answers a write with the
changes to apply, in the order it kept them: those other processes kept since this replica last
looked, then this one. Every replica applies the same changes in the same order over the same
seeded world, so all of them hold the same records, and two concurrent updates of one record
both stay (each is a merge of its own fields). A RESET empties the session's log, claims and
counters at once. The log stays bounded: when it has grown well past what the replica holds,
the replica asks the backend to replace it with its snapshot (`compact`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mock_server.store.shared import JournalKeep, SteeringKeep


class Kind(StrEnum):
    ADD = "add"  # a new record, under the seq it was given
    MERGE = "merge"  # fields written into a held record (a seeded one is copied first)
    REMOVE = "remove"  # a record forgotten (a seeded one is hidden)
    CLAIM = "claim"  # a scope of a resource seeded in this session
    IDS = "ids"  # id counters raised (a restored snapshot's)
    RESET = "reset"  # back to the seeded world: every record, claim and counter of the session


@dataclass(frozen=True)
class Change:
    kind: Kind
    resource: str = ""
    seq: int = 0
    scope: Mapping[str, str] = field(default_factory=dict)
    # ADD: the record's fields; MERGE: the fields written; IDS: resource -> highest id
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The change as JSON values, as the backends keep it."""
        return {
            "kind": self.kind.value,
            "resource": self.resource,
            "seq": self.seq,
            "scope": dict(self.scope),
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Change:
        return cls(
            Kind(value["kind"]),
            value.get("resource", ""),
            int(value.get("seq", 0)),
            dict(value.get("scope") or {}),
            dict(value.get("data") or {}),
        )


class FellBehind(Exception):
    """The backend no longer holds every change this replica missed: rebuild it (`state`)."""


class Backend(Protocol):
    """One session's changes, kept beyond this process."""

    def keep(self, change: Change) -> Sequence[Change]:
        """Keep `change` (durably, before returning) and return the changes to apply, in
        order: those kept by others since this replica last looked, then `change`.
        Raises FellBehind when the replica must be rebuilt first."""
        ...

    def since(self) -> Sequence[Change]:
        """The changes kept by others since this replica last looked (raises FellBehind)."""
        ...

    def state(self) -> Sequence[Change]:
        """Everything kept for the session, as changes to apply to a fresh replica; the
        replica has seen every change when this returns."""
        ...

    def next_seq(self, floor: int) -> int:
        """A seq never given in this session, above `floor` (the seeded world's last)."""
        ...

    def next_id(self, resource: str, floor: int) -> int:
        """A new id of `resource`, unique in this session across processes, above `floor`."""
        ...

    def claim(self, resource: str, scope: Mapping[str, str]) -> bool:
        """True for the one process that claims this scope first; that claim is kept (and
        reaches the other replicas as a CLAIM change)."""
        ...

    def compact(self, changes: Sequence[Change]) -> bool:
        """Replace the session's log with `changes` (what this replica holds, as changes), if
        nothing was kept since this replica last looked; False (nothing done) otherwise."""
        ...

    def kept(self) -> int:
        """How many changes the session's log holds."""
        ...


class Backends(Protocol):
    """Where every session's changes are kept: one SQLite file, or one Redis database."""

    def open(self, session: str) -> Backend:
        """The session's backend (a session never seen starts empty)."""
        ...

    def sessions(self) -> dict[str, float]:
        """Every session kept, with when it was last used (seconds since the epoch)."""
        ...

    def touch(self, session: str, when: float) -> None:
        """Note a use of the session (callers do it at most every few seconds)."""
        ...

    def drop(self, session: str) -> None:
        """Forget the session and everything kept for it."""
        ...

    def steering(self, backend: Backend) -> SteeringKeep | None:
        """Where the session `backend` serves keeps its overrides and chaos settings for every
        process to see (shared.py); None: each process keeps its own."""
        ...

    def journal(self, session: str) -> JournalKeep | None:
        """Where the session keeps its journal for every process to see; None: in-process."""
        ...

    def settled(self) -> Awaitable[None] | None:
        """None when every write made so far is kept for good; else what to await before an
        answer goes out (SQLite syncs writes in groups, sqlite_commits.py)."""
        ...

    def read_ahead(self, session: str) -> Awaitable[None] | None:
        """What to await, on the event loop, before the engine answers a request of `session`:
        what the engine would otherwise block the loop to read (Redis, redis_ahead.py); None:
        nothing to read ahead."""
        ...

    def close(self) -> None: ...
