"""Group commit for the `--data` file: every write on disk before it is answered, and writes
made meanwhile share one transaction and one sync.

A write on the request path is only queued (`queue`): a few microseconds, no SQLite call, no
wait for the connection. A committer thread takes everything queued, executes it in one
transaction (BEGIN IMMEDIATE ... COMMIT, WAL mode, synchronous=NORMAL, so COMMIT appends to the
-wal file without syncing it), syncs the -wal file (`fsync` on a descriptor of its own), and
marks everything queued before it began as durable. SQLite releases the interpreter lock while
it works, so requests go on being answered meanwhile. The ASGI edge awaits `settled()` before
it sends an answer's first byte (edge/durable.py): no answer goes out before what it (or anything
before it) wrote is synced. SQLite syncs the -wal file before a checkpoint copies it into the
database, so a checkpoint never loses a synced frame.

Queued statements run in the order they were queued: whoever holds the connection's lock (the
committer, `transaction`, `read`) executes what is queued before anything of its own. When a
queued group cannot be written (a full disk, an I/O error), the file stops taking writes: the
answers waiting on it are refused (`settled()` raises `DataFileFailed`) and so is every write
after it, and a restart resumes from what was synced.
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

Statement = tuple[str, Sequence[Any]]


class DataFileFailed(sqlite3.OperationalError):
    """The --data file could not keep a write: nothing more is taken until a restart."""


class Database:
    """The one connection, shared by the event loop's thread, the engine's worker and the
    committer; queued writes count as durable once the committer has synced them."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.lock = threading.Lock()  # the connection's
        self.closed = False
        self._queued: list[Statement] = []
        self._queue_lock = threading.Lock()  # never held while SQLite works
        self._failure: DataFileFailed | None = None
        # SQLite keeps the -wal file while a connection is open; made here if it has not yet.
        self._wal = os.open(f"{path}-wal", os.O_RDONLY | os.O_CREAT, 0o644)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the -wal file's name, once
        finally:
            os.close(folder)
        # Made: groups of statements queued or committed; kept: those synced.
        self._progress = Progress()
        self._committer = keeper("ibl-mock-sqlite-sync", self._progress, self._sync)

    def queue(self, statements: Sequence[Statement]) -> None:
        """Write `statements` in one go, after everything queued before; durable once
        `settled()` says so. Raises DataFileFailed once a write could not be kept."""
        with self._queue_lock:
            self._refuse_if_unusable()
            self._queued.extend(statements)
        self._progress.made_one()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """BEGIN IMMEDIATE ... COMMIT at once (rolled back on an error), after what is queued:
        for the writes whose answer depends on what the file holds; durable once `settled()`
        says so."""
        with self.lock:
            self._commit_queued()  # on its own: this one may roll back
            with self._queue_lock:
                self._refuse_if_unusable()
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
        """Rows of `sql`, with what is queued written first (reads see every write)."""
        with self.lock:
            if self.closed:
                raise sqlite3.ProgrammingError("the --data file is closed")
            self._commit_queued()
            return self.connection.execute(sql, parameters).fetchall()

    def settled(self) -> asyncio.Future[None] | None:
        """None when everything written so far is synced; else a future of the running loop,
        done once it is (failed with DataFileFailed if it could not be)."""
        return self._progress.settled()

    def _refuse_if_unusable(self) -> None:
        if self.closed:
            raise sqlite3.ProgrammingError("the --data file is closed")
        if self._failure is not None:
            raise self._failure

    def _execute_queued(self, cursor: sqlite3.Cursor) -> None:
        """Execute what is queued (with the connection's lock held, in a transaction)."""
        with self._queue_lock:
            queued, self._queued = self._queued, []
        for sql, parameters in queued:
            cursor.execute(sql, parameters)

    def _commit_queued(self) -> None:
        """What is queued, committed in one transaction (with the connection's lock held)."""
        with self._queue_lock:
            if not self._queued or self._failure is not None:
                return
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            self._execute_queued(cursor)
            cursor.execute("COMMIT")
        except sqlite3.Error as error:
            if self.connection.in_transaction:
                self.connection.rollback()
            failure = DataFileFailed(f"the --data file cannot be written: {error}")
            with self._queue_lock:
                self._failure, self._queued = failure, []
            self._progress.fail(failure)

    def _sync(self, target: int) -> None:
        # Everything made up to `target` was queued before it was counted: committed here.
        with self.lock:
            if self.closed:
                return
            self._commit_queued()
        os.fsync(self._wal)  # also syncs what was committed after `target`: harmless

    def close(self) -> None:
        """Write and sync what is queued, stop the committer, close the connection."""
        with self.lock:
            if self.closed:
                return
            with self._progress.wake:
                made = self._progress.made
            self._commit_queued()
            os.fsync(self._wal)
            self._progress.kept_up_to(made)
            self._progress.close()
            self.closed = True
        self._committer.join(timeout=10)
        with self.lock:
            self.connection.close()
            os.close(self._wal)
