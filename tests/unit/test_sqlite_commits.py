"""Group commit of the `--data` file: a write is synced before its answer goes out, and the
writes made while one sync runs share the next (store/sqlite_commits.py, edge/durable.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_server.edge.durable import DurableAnswers
from mock_server.store import InMemoryStore, LayeredStore, sqlite_commits
from mock_server.store.backends import Identity
from mock_server.store.sqlite_backend import SqliteBackends

IDENTITY = Identity("document-digest", "world-digest")


class HeldSyncs:
    """os.fsync, counted; the first one waits until `release()`."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self._released = threading.Event()
        self._real = sqlite_commits.os.fsync

    def __call__(self, fd: int) -> None:
        self.calls += 1
        self.started.set()
        self._released.wait(30)
        self._real(fd)

    def release(self) -> None:
        self._released.set()

    def hold(self) -> None:
        """Count afresh; the next sync waits for `release()` again."""
        self.calls = 0
        self._released = threading.Event()


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> HeldSyncs:
    held = HeldSyncs()
    monkeypatch.setattr(sqlite_commits.os, "fsync", held)
    return held


@pytest.fixture
def backends(tmp_path: Path, syncs: HeldSyncs) -> Iterator[SqliteBackends]:
    syncs.release()  # opening syncs the folder
    opened = SqliteBackends.open(tmp_path / "state.db", IDENTITY)
    syncs.hold()
    yield opened
    syncs.release()
    opened.close()


def test_writes_made_during_a_sync_share_the_next_one(
    backends: SqliteBackends, syncs: HeldSyncs
) -> None:
    store = LayeredStore(InMemoryStore(), backends.open("s"))

    async def write_all() -> list[asyncio.Future[None] | None]:
        waits = []
        for n in range(50):
            store.add("Mentor", {"tenant": "acme"}, {"id": n + 1})
            waits.append(backends.settled())
            if n == 0:
                await asyncio.to_thread(syncs.started.wait, 30)  # the first sync has begun
        assert not any(wait.done() for wait in waits if wait is not None)  # none synced yet
        syncs.release()
        await asyncio.wait_for(asyncio.gather(*(w for w in waits if w is not None)), 30)
        return waits

    waits = asyncio.run(write_all())
    assert all(wait is not None for wait in waits)  # every write had to wait for its sync
    assert syncs.calls == 2  # the first write's, then one for the other 49
    assert backends.settled() is None  # nothing left unsynced


def test_no_answer_starts_before_its_writes_are_synced() -> None:
    sent: list[str] = []
    synced = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def record(message: Any) -> None:
        sent.append(message["type"])

    async def serve() -> None:
        pending = asyncio.get_running_loop().create_future()
        guard = DurableAnswers(app, lambda: None if synced.is_set() else pending)
        answering = asyncio.create_task(guard({"type": "http"}, None, record))  # type: ignore[arg-type]
        await asyncio.sleep(0.01)
        assert sent == []  # held: the write is not synced yet
        synced.set()
        pending.set_result(None)
        await answering
        assert sent == ["http.response.start", "http.response.body"]

    asyncio.run(serve())


def test_a_write_the_file_cannot_keep_is_answered_503_and_never_resumed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    backends = SqliteBackends.open(path, IDENTITY)
    store = LayeredStore(InMemoryStore(), backends.open("s"))
    # The file refuses one write as a full disk would, when the committer writes it.
    refusing = sqlite3.connect(path)
    refusing.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON changes "
        "WHEN instr(NEW.change, CAST('refused' AS BLOB)) > 0 "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    refusing.commit()
    refusing.close()
    sent: list[Any] = []

    async def record(message: Any) -> None:
        sent.append(message)

    def answering(name: str) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            store.add("Mentor", {"tenant": "acme"}, {"id": len(sent) + 1, "name": name})
            await send({"type": "http.response.start", "status": 201, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

        return DurableAnswers(app, backends.settled)

    async def serve() -> None:
        await answering("kept")({"type": "http"}, None, record)
        await answering("refused")({"type": "http"}, None, record)

    asyncio.run(serve())
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [201, 503]
    assert b"not kept" in sent[-1]["body"] and b"disk is full" in sent[-1]["body"]
    with pytest.raises(sqlite_commits.DataFileFailed):  # and no write is taken after it
        store.add("Mentor", {"tenant": "acme"}, {"id": 3, "name": "after"})
    backends.close()
    reopened = SqliteBackends.open(path, IDENTITY)
    try:
        resumed = LayeredStore(InMemoryStore(), reopened.open("s"))
        assert [r.data["name"] for r in resumed.find("Mentor", {})] == ["kept"]
    finally:
        reopened.close()
