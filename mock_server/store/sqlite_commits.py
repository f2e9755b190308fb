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

_Waiter = tuple[int, asyncio.AbstractEventLoop, "asyncio.Future[None]"]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


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
        self._committed = 0  # transactions committed (to the -wal file, unsynced)
        self._durable = 0  # of those, how many are synced
        self._wake = threading.Condition(threading.Lock())
        self._waiters: list[_Waiter] = []
        self._committer = threading.Thread(
            target=self._sync_forever, name="ibl-mock-sqlite-sync", daemon=True
        )
        self._committer.start()

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
            with self._wake:
                self._committed += 1
                self._wake.notify()

    def read(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        with self.lock:
            if self.closed:
                raise sqlite3.ProgrammingError("the --data file is closed")
            return self.connection.execute(sql, parameters).fetchall()

    def settled(self) -> asyncio.Future[None] | None:
        """None when every transaction committed so far is synced; else a future of the
        running loop, done once they are."""
        with self._wake:
            if self._durable >= self._committed:
                return None
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((self._committed, loop, future))
            return future

    def flush(self) -> None:
        """Sync now, on this thread: for callers with no loop to wait on."""
        with self._wake:
            target = self._committed
        os.fsync(self._wal)
        self._mark(target)

    def _sync_forever(self) -> None:
        while True:
            with self._wake:
                while self._durable >= self._committed and not self.closed:
                    self._wake.wait()
                if self.closed:
                    return
                target = self._committed
            try:
                os.fsync(self._wal)  # also syncs what was committed after `target`: harmless
            except OSError:
                continue  # the answers wait; the next round tries again
            self._mark(target)

    def _mark(self, target: int) -> None:
        with self._wake:
            self._durable = max(self._durable, target)
            ready = [waiter for waiter in self._waiters if waiter[0] <= self._durable]
            self._waiters = [waiter for waiter in self._waiters if waiter[0] > self._durable]
        for _, loop, future in ready:
            with contextlib.suppress(RuntimeError):  # a loop closed meanwhile
                loop.call_soon_threadsafe(_resolve, future)

    def close(self) -> None:
        """Sync what is committed, stop the committer, close the connection."""
        with self.lock:
            if self.closed:
                return
            self.flush()
            with self._wake:
                self.closed = True
                self._wake.notify()
            self.connection.close()
            os.close(self._wal)
