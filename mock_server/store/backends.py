"""Which `Backends` a run keeps its sessions in: none (memory), SQLite (`--data PATH`) or Redis
(`--store redis://...`), and what makes a kept state fit to resume.

Kept changes are applied over the seeded world, so they resume only over the same one: a
backend records the document's digest and the seeded world's digest with the format it wrote,
and refuses (BackendRefused, a message saying why and what to do) a file or database written
for another, never reading half of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mock_server.store.changes import Backends

# Raised whenever what the backends write changes shape.
FORMAT = 1


@dataclass(frozen=True)
class Identity:
    document: str  # sha256 of the patched document
    world: str  # sha256 of the seeded world's dump (with the --state file, if any)

    def as_meta(self) -> dict[str, str]:
        return {"format": str(FORMAT), "document": self.document, "world": self.world}

    def mismatch(self, kept: dict[str, str], where: str) -> str | None:
        """Why state kept with `kept` meta cannot be resumed here, or None if it can."""
        if kept.get("format") != str(FORMAT):
            return (
                f"{where} was written in format {kept.get('format', '?')} of ibl-mock's state; "
                f"this version reads format {FORMAT}. Start with another --data/--store, or "
                "delete it to start afresh."
            )
        for name, label in (
            ("document", "another OpenAPI document"),
            ("world", "another seeded world (--seed, fixtures, --state or version)"),
        ):
            if kept.get(name) != getattr(self, name):
                return (
                    f"{where} holds state of {label}: it cannot be resumed over this one. "
                    "Start with another --data/--store, or delete it to start afresh."
                )
        return None


class BackendRefused(Exception):
    """Kept state that cannot be used here; the message says why and what to do."""


def open_backends(
    identity: Identity, *, data_path: Path | None = None, store_url: str | None = None
) -> Backends | None:
    if store_url is not None:
        from mock_server.store.redis_backend import RedisBackends

        return RedisBackends.connect(store_url, identity)
    if data_path is not None:
        from mock_server.store.sqlite_backend import SqliteBackends

        return SqliteBackends.open(data_path, identity)
    return None
