"""Every session's changes in one SQLite file (`--data PATH`): what a restart resumes from.

One process owns the file: an exclusive lock on `PATH.lock` (holding the owner's pid) is taken
before the file is read and held until it is closed, so two mocks never write one file and the
log only ever grows by this process's own changes (`since()` has nothing to tell). A change is
queued; the writes queued meanwhile are committed in one transaction in WAL mode and synced
before the requests that made them are answered (sqlite_commits.py). A file that cannot
be resumed (another document or seeded world, another format, not a SQLite database, damaged)
is refused whole before any of it is applied.

Tables: `meta` (format, document and world digests), `sessions` (name, last used), `changes`
(each session's log, in order of `n`), `counters` (each session's seq and id counters) and
`claims` (the scopes each session seeded).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import orjson

from mock_server.messages import encode_json
from mock_server.store.backends import BackendRefused, Identity
from mock_server.store.changes import Backend, Change, Kind
from mock_server.store.sqlite_commits import Database, Statement

HEADER = b"SQLite format 3\x00"
TABLES = ("meta", "sessions", "changes", "counters", "claims")
SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sessions (name TEXT PRIMARY KEY, last_used REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE changes (
    session TEXT NOT NULL, n INTEGER NOT NULL, change BLOB NOT NULL, PRIMARY KEY (session, n)
);
CREATE TABLE counters (
    session TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (session, name)
) WITHOUT ROWID;
CREATE TABLE claims (
    session TEXT NOT NULL, resource TEXT NOT NULL, scope TEXT NOT NULL,
    PRIMARY KEY (session, resource, scope)
) WITHOUT ROWID;
"""
APPEND = (
    "INSERT INTO changes (session, n, change) "
    "SELECT ?1, coalesce(max(n), 0) + 1, ?2 FROM changes WHERE session = ?1"
)
WRITE_COUNTER = (
    "INSERT INTO counters (session, name, value) VALUES (?, ?, ?) "
    "ON CONFLICT (session, name) DO UPDATE SET value = max(value, excluded.value)"
)
ID_COUNTER = "id:"  # the counter of a resource's ids: "id:Mentor"; of seqs: "seq"
AFRESH = "Start with another --data, or delete it (and its -wal file) to start afresh."


class SqliteBackend:
    """One session's log, counters and claims in the shared file."""

    def __init__(self, database: Database, session: str) -> None:
        self._db = database
        self._session = session
        # Counters are given from here and written with the next change kept, in its group
        # (one write per create, not three): a value whose write was never kept was never
        # answered, so a crash that loses it loses nothing anyone saw.
        counted = database.read("SELECT name, value FROM counters WHERE session = ?", (session,))
        self._counters: dict[str, int] = {str(name): int(value) for name, value in counted}
        self._unwritten: dict[str, int] = {}
        self._counting = threading.Lock()  # the counters; never held while SQLite works

    def keep(self, change: Change) -> Sequence[Change]:
        """Queued (sqlite_commits.py): the answer that made it waits until it is synced."""
        session = self._session
        statements: list[Statement]
        if change.kind is Kind.RESET:  # the seeded world again: an empty log replays to it
            tables = ("changes", "counters", "claims")
            statements = [
                (f"DELETE FROM {table} WHERE session = ?", (session,)) for table in tables
            ]
            with self._counting:
                self._counters, self._unwritten = {}, {}
                self._db.queue(statements)
            return (change,)
        with self._counting:
            unwritten, self._unwritten = self._unwritten, {}
            statements = [
                (WRITE_COUNTER, (session, name, value)) for name, value in unwritten.items()
            ]
            statements.append((APPEND, (session, encode_json(change.as_json()))))
            try:
                self._db.queue(statements)
            except BaseException:
                self._unwritten = {**unwritten, **self._unwritten}  # with the next one, then
                raise
        return (change,)

    def since(self) -> Sequence[Change]:
        return ()  # nobody else writes the file

    def state(self) -> Sequence[Change]:
        rows = self._db.read(
            "SELECT change FROM changes WHERE session = ? ORDER BY n", (self._session,)
        )
        changes = [Change.from_json(_decode(blob)) for (blob,) in rows]
        # The ids given, as the replica that gave them knew them: also those of a type whose
        # records are all removed, which no ADD left in the log would tell a new replica.
        with self._counting:
            given = {
                name.removeprefix(ID_COUNTER): value
                for name, value in self._counters.items()
                if name.startswith(ID_COUNTER)
            }
        return [*changes, Change(Kind.IDS, data=given)] if given else changes

    def next_seq(self, floor: int) -> int:
        return self._count("seq", floor)

    def next_id(self, resource: str, floor: int) -> int:
        return self._count(ID_COUNTER + resource, floor)

    def _count(self, name: str, floor: int) -> int:
        with self._counting:
            value = max(self._counters.get(name, 0), floor) + 1
            self._counters[name] = self._unwritten[name] = value
        return value

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """A transaction at once that writes the counters given since the last write, first."""
        with self._counting:
            unwritten, self._unwritten = self._unwritten, {}
        try:
            with self._db.transaction() as cursor:
                if unwritten:
                    rows = [(self._session, name, value) for name, value in unwritten.items()]
                    cursor.executemany(WRITE_COUNTER, rows)
                yield cursor
        except BaseException:
            with self._counting:  # not written after all: with the next write, then
                for name, value in unwritten.items():
                    self._unwritten[name] = max(self._unwritten.get(name, 0), value)
            raise

    def claim(self, resource: str, scope: Mapping[str, str]) -> bool:
        key = orjson.dumps(dict(sorted(scope.items()))).decode()
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT OR IGNORE INTO claims (session, resource, scope) VALUES (?, ?, ?)",
                (self._session, resource, key),
            )
            first = cursor.rowcount == 1
            if first:  # in the log too, so that a restart's replica knows it was seeded
                claimed = Change(Kind.CLAIM, resource, scope=dict(scope))
                cursor.execute(APPEND, (self._session, encode_json(claimed.as_json())))
        return first

    def compact(self, changes: Sequence[Change]) -> bool:
        rows = [
            (self._session, n, encode_json(change.as_json())) for n, change in enumerate(changes, 1)
        ]
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM changes WHERE session = ?", (self._session,))
            cursor.executemany("INSERT INTO changes (session, n, change) VALUES (?, ?, ?)", rows)
        return True  # one process: nothing can have been kept meanwhile

    def kept(self) -> int:
        ((count,),) = self._db.read(
            "SELECT count(*) FROM changes WHERE session = ?", (self._session,)
        )
        return int(count)


class _Open:
    """`SqliteBackends.open(path, identity)` opens a file (what `open_backends` calls), and
    `backends.open(session)` a session in it (the `Backends` protocol's): one name, two uses."""

    @overload
    def __get__(
        self, instance: None, owner: type[SqliteBackends]
    ) -> Callable[[Path, Identity], SqliteBackends]: ...

    @overload
    def __get__(
        self, instance: SqliteBackends, owner: type[SqliteBackends]
    ) -> Callable[[str], SqliteBackend]: ...

    def __get__(self, instance: SqliteBackends | None, owner: type[SqliteBackends]) -> Any:
        return owner.open_file if instance is None else instance.open_session


class SqliteBackends:
    """The sessions kept in one SQLite file, which this process holds until `close()`."""

    open = _Open()

    def __init__(self, path: Path, database: Database, lock: int) -> None:
        self.path = path
        self._db = database
        self._lock_fd = lock

    @classmethod
    def open_file(cls, path: Path, identity: Identity) -> SqliteBackends:
        """The file's sessions (a new or empty file gets the schema); BackendRefused if another
        mock holds it, or it holds what cannot be resumed here."""
        path = Path(path)
        lock = _lock(path)
        try:
            connection = _connect(path, identity)
        except BaseException:
            os.close(lock)  # the lock goes with it
            raise
        return cls(path, Database(connection, path), lock)

    def open_session(self, session: str) -> SqliteBackend:
        """The session's backend; the session is listed from now on."""
        with self._db.transaction() as cursor:
            cursor.execute(
                "INSERT OR IGNORE INTO sessions (name, last_used) VALUES (?, ?)",
                (session, time.time()),
            )
        return SqliteBackend(self._db, session)

    def sessions(self) -> dict[str, float]:
        return {name: float(used) for name, used in self._db.read("SELECT * FROM sessions")}

    def touch(self, session: str, when: float) -> None:
        with self._db.transaction() as cursor:  # a dropped session stays dropped
            cursor.execute(
                "UPDATE sessions SET last_used = max(last_used, ?) WHERE name = ?",
                (when, session),
            )

    def drop(self, session: str) -> None:
        with self._db.transaction() as cursor:
            cursor.execute("DELETE FROM sessions WHERE name = ?", (session,))
            for table in ("changes", "counters", "claims"):
                cursor.execute(f"DELETE FROM {table} WHERE session = ?", (session,))

    def steering(self, backend: Backend) -> None:
        return None  # one process serves the file: its steering stays in it

    def journal(self, session: str) -> None:
        return None

    def settled(self) -> asyncio.Future[None] | None:
        return self._db.settled()

    def read_ahead(self, session: str) -> None:
        return None  # the file is read in memory: nothing blocks

    def close(self) -> None:
        if self._db.closed:
            return
        self._db.close()
        os.close(self._lock_fd)


def _where(path: Path) -> str:
    return f"the --data file {path}"


def _lock(path: Path) -> int:
    """An exclusive lock on PATH.lock, which names the pid holding it."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        reason = error.strerror or str(error)
        raise BackendRefused(f"{_where(path)} cannot be opened: {reason} ({lock_path}).") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise BackendRefused(
            f"{_where(path)} is in use by another ibl-mock (pid {holder}): stop it, or give "
            "this one another --data file."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _connect(path: Path, identity: Identity) -> sqlite3.Connection:
    where = _where(path)
    if path.is_dir():
        raise BackendRefused(f"{where} is a directory; --data names a file.")
    existing = path.exists() and path.stat().st_size > 0
    if existing:
        with path.open("rb") as file:
            if file.read(len(HEADER)) != HEADER:
                raise BackendRefused(f"{where} is not an ibl-mock data file. {AFRESH}")
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise BackendRefused(f"{where} cannot be opened: {error}.") from None
    try:
        fresh = not existing or not _tables(connection)
        if not fresh:
            _check(connection, identity, where)
    except (BackendRefused, sqlite3.Error) as error:
        connection.close()
        if isinstance(error, BackendRefused):
            raise
        raise BackendRefused(f"{where} is damaged ({error}). {AFRESH}") from None
    try:
        _prepare(connection, identity, fresh=fresh)
    except sqlite3.Error as error:
        connection.close()
        raise BackendRefused(f"{where} cannot be written: {error}.") from None
    return connection


def _prepare(connection: sqlite3.Connection, identity: Identity, *, fresh: bool) -> None:
    # WAL: a commit is one append to the -wal file. NORMAL: not synced by COMMIT; the
    # committer syncs it before the answers go out, once for every group it commits
    # (sqlite_commits.py).
    connection.execute("PRAGMA journal_mode=WAL").fetchall()
    connection.execute("PRAGMA synchronous=NORMAL")
    if fresh:  # the schema and the meta at once: a crash leaves none of it
        connection.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?)", identity.as_meta().items()
        )
        connection.execute("COMMIT")


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _check(connection: sqlite3.Connection, identity: Identity, where: str) -> None:
    """Refuse (BackendRefused) what is not an intact file of this document and world."""
    checked = connection.execute("PRAGMA quick_check").fetchall()
    if checked != [("ok",)]:
        problems = "; ".join(str(row[0]) for row in checked[:3])
        raise BackendRefused(f"{where} is damaged ({problems}). {AFRESH}")
    tables = _tables(connection)
    if "meta" not in tables:
        raise BackendRefused(f"{where} is a SQLite database, not an ibl-mock data file. {AFRESH}")
    kept = {str(name): str(value) for name, value in connection.execute("SELECT * FROM meta")}
    refusal = identity.mismatch(kept, where)
    if refusal is not None:
        raise BackendRefused(refusal)
    missing = [table for table in TABLES if table not in tables]
    if missing:
        raise BackendRefused(f"{where} is damaged (no {', '.join(missing)} table). {AFRESH}")


def _decode(blob: bytes) -> Any:
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError:  # what encode_json wrote with the standard encoder
        import json

        return json.loads(blob)
