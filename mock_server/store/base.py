"""The `Store` interface: what the handlers may ask of wherever records live.

A record belongs to one resource type (e.g. "Mentor") and one scope: the canonical path
parameters above it when it was created (e.g. {"tenant": "acme", "user": "bob"}). A lookup from
a scope sees the records whose scope contains it: an org-wide list shows the mentors every user
of that org created, a user's list only that user's, another org's nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

Scope = Mapping[str, str]


@dataclass
class Record:
    resource: str
    scope: dict[str, str]
    data: dict[str, Any]
    # Set by the store that holds the record: its place in the store's creation order, and with
    # the record itself its identity there (two records with equal data are two records).
    seq: int = field(default=0, compare=False, repr=False)

    def visible_from(self, scope: Scope) -> bool:
        return all(self.scope.get(name) == value for name, value in scope.items())


class Store(Protocol):
    def find(self, resource: str, scope: Scope) -> list[Record]:
        """Records of `resource` visible from `scope`, oldest first."""
        ...

    def get(self, resource: str, scope: Scope, field: str, value: str) -> Record | None:
        """The visible record whose `field` equals `value` (compared as text), if any."""
        ...

    def add(self, resource: str, scope: Scope, data: dict[str, Any]) -> Record: ...

    def remove(self, record: Record) -> None:
        """Forget this record (the one held, never another with equal data). Nothing of it is
        kept: its id is never given again (`next_id`), and a scope that was seeded is not
        seeded again (`claim_seed`), so a removed record does not come back."""
        ...

    def update(self, record: Record, changes: Mapping[str, Any]) -> Record:
        """Write `changes` into the record's data (merged into what is held now, so two
        updates of different fields both stay) and return the record as held after it.

        Every change to a held record goes through here, and callers go on with the record
        returned: a session's view answers a seeded record with a copy of its own.
        """
        ...

    def next_id(self, resource: str) -> int:
        """A new integer id for `resource`, above every id it has held."""
        ...

    def claim_seed(self, resource: str, scope: Scope) -> bool:
        """True the first time a scope of `resource` is seeded (then the caller fills it)."""
        ...

    def counts(self) -> dict[str, int]: ...

    def dump(self) -> dict[str, Any]:
        """Everything held, as JSON values; `load` takes it back."""
        ...

    def load(self, dumped: Mapping[str, Any]) -> None: ...

    def snapshot(self) -> object:
        """The current contents, to `restore` later. A store may share field values with
        it: a stored value is never changed in place (`update` replaces a field's value)."""
        ...

    def restore(self, snapshot: object) -> None: ...
