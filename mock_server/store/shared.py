"""What a session keeps besides its records, where every worker sees it: its steering (the
installed overrides and the chaos settings) and its journal.

A backend shared by several processes (Redis) keeps both; the others (SQLite, no backend at
all) keep them in the process, and `Backends.steering` / `Backends.journal` answer None.
Values cross this boundary as JSON: the overrides as the payloads they were installed with,
the chaos settings as `GET /__mock__/settings` shows them, journal entries as the journal
shows them. Parsing and checking them stays with the steering and journal code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class KeptSteering:
    """A session's steering as kept: overrides in installation order, with their uses."""

    overrides: Sequence[tuple[str, Mapping[str, Any]]] = ()  # (id, installed payload)
    uses: Mapping[str, int] = field(default_factory=dict)
    chaos: Mapping[str, Any] | None = None  # None: never set in this session


class OverrideLimit(Exception):
    """The session holds as many overrides as it may."""


class SteeringKeep(Protocol):
    """One session's overrides and chaos settings, shared by every process serving it."""

    def changed(self) -> bool:
        """True when the steering changed since this process last loaded it. Answered from
        what the session's backend read when the request began (no round trip of its own)."""
        ...

    def load(self) -> KeptSteering:
        """Everything kept; `changed()` is False until someone changes it again."""
        ...

    def install(self, payload: Mapping[str, Any], limit: int) -> str:
        """Keep a new override; its id ("ov-N", never given twice in the session). Raises
        OverrideLimit when `limit` are installed already."""
        ...

    def remove(self, override_id: str) -> bool:
        """False when no override has that id (any more)."""
        ...

    def clear(self) -> None: ...

    def use(self, override_id: str) -> int:
        """Count one use; the override's uses counting this one, or 0 when it is gone."""
        ...

    def uses(self) -> dict[str, int]:
        """Every installed override's uses."""
        ...

    def set_chaos(self, settings: Mapping[str, Any]) -> None: ...


class JournalKeep(Protocol):
    """One session's journal, shared by every process serving it."""

    def append(self, entry: Mapping[str, Any], size: int) -> None:
        """Keep `entry` (without its id: the appends before it, plus one) among the newest
        `size`."""
        ...

    def entries(self) -> list[dict[str, Any]]:
        """The entries kept, newest first, each with its id."""
        ...

    def total(self) -> int:
        """How many entries were ever appended."""
        ...

    def clear(self) -> None:
        """Forget the entries; ids go on counting."""
        ...
