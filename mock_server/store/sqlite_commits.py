"""Group commit for the `--data` file: every write on disk before it is answered, and writes
made meanwhile share one sync.

SQLite runs with synchronous=NORMAL in WAL mode: a COMMIT appends the transaction to the -wal
file without syncing it, so a write costs the process a few dozen microseconds and never holds
the connection while the disk works. Durability comes from here: a committer thread syncs the
-wal file (`fsync` on a descriptor of its own, without the connection's lock) whenever
transactions were committed since its last sync, and marks everything committed before the sync
began as durable. The ASGI edge awaits `settled()` before it sends an answer's first byte
(edge/durable.py), so no answer goes out before what it (or anything before it) wrote is synced,
while the event loop goes on serving other clients. SQLite itself syncs the -wal file before a
checkpoint copies it into the database, so a checkpoint never loses a synced frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mock_server.store.settling import Progress, keeper


class Database:
    """The one connection, shared by the event loop's thread, the engine's worker and the
    committer; transactions count as durable once the committer has synced them."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.lock = threading.Lock()
        self.closed = False
        # SQLite keeps the -wal file while a connection is open; made here if it has not yet.
        self._wal = os.open(f"{path}-wal", os.O_RDONLY | os.O_CREAT, 0o644)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the -wal file's name, once
        finally:
            os.close(folder)
        # Made: transactions committed to the -wal file; kept: those synced.
        self._progress = Progress()
        self._committer = keeper("ibl-mock-sqlite-sync", self._progress, self._sync)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """BEGIN IMMEDIATE ... COMMIT (rolled back on an error), under the lock; durable once
        `settled()` says so."""
        with self.lock:
            if self.closed:
                raise sqlite3.ProgrammingError("the --data file is closed")
            cursor = self.connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
                cursor.execute("COMMIT")
            except BaseException:
                if self.connection.in_transaction:
                    self.connection.rollback()
                raise
            self._progress.made_one()

    def read(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        with self.lock:
            if self.closed:
                raise sqlite3.ProgrammingError("the --data file is closed")
            return self.connection.execute(sql, parameters).fetchall()

    def settled(self) -> asyncio.Future[None] | None:
        """None when every transaction committed so far is synced; else a future of the
        running loop, done once they are."""
        return self._progress.settled()

    def _sync(self, target: int) -> None:
        # Also syncs what was committed after `target` was read: harmless.
        os.fsync(self._wal)

    def close(self) -> None:
        """Sync what is committed, stop the committer, close the connection."""
        with self.lock:
            if self.closed:
                return
            with self._progress.wake:
                made = self._progress.made
            os.fsync(self._wal)
            self._progress.kept_up_to(made)
            self._progress.close()
            self._committer.join(timeout=10)
            self.closed = True
            self.connection.close()
            os.close(self._wal)
