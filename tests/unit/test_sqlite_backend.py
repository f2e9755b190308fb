"""`--data PATH`: sessions kept in a SQLite file come back whole when it is opened again, and a
file that cannot be resumed here is refused whole, with a message naming it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.store import InMemoryStore, LayeredStore
from mock_server.store.backends import BackendRefused, Identity
from mock_server.store.layered import COMPACT_EVERY
from mock_server.store.sqlite_backend import SqliteBackends

IDENTITY = Identity("document-digest", "world-digest")


@pytest.fixture
def seeded() -> InMemoryStore:
    store = InMemoryStore()
    for name in ("ada", "bo", "cy"):
        store.add("Mentor", {"tenant": "acme"}, {"id": store.next_id("Mentor"), "slug": name})
    store.add("Course", {"tenant": "acme", "user": "bo"}, {"id": 40, "tags": ["a"]})
    return store


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def backends(path: Path) -> Iterator[SqliteBackends]:
    opened = SqliteBackends.open(path, IDENTITY)
    yield opened
    opened.close()


def reopen(backends: SqliteBackends, path: Path) -> SqliteBackends:
    backends.close()
    return SqliteBackends.open(path, IDENTITY)


def view(seeded: InMemoryStore, backends: SqliteBackends, session: str = "s") -> LayeredStore:
    return LayeredStore(seeded, backends.open(session))


def write_some(store: LayeredStore, seeded: InMemoryStore) -> None:
    """One of each write: adds, a change of a seeded and of an own record, removals, a claim."""
    ada, bo, _ = seeded.find("Mentor", {})
    made = store.add("Mentor", {"tenant": "acme"}, {"id": store.next_id("Mentor"), "slug": "di"})
    store.add("Mentor", {"tenant": "globex"}, {"id": store.next_id("Mentor"), "big": 2**70})
    gone = store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt"), "odd": "\udc80"})
    store.update(ada, {"slug": "ada-2", "nested": {"n": None}})
    store.update(made, {"slug": "di-2"})
    store.remove(bo)
    store.remove(gone)
    assert store.claim_seed("Course", {"tenant": "globex"})


def test_every_kind_of_write_comes_back_after_a_reopen(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    store = view(seeded, backends)
    write_some(store, seeded)
    dumped, counts = store.dump(), store.counts()
    given = store.next_id("Mentor")
    store.add("Mentor", {"tenant": "acme"}, {"id": given})
    dumped = store.dump()

    backends = reopen(backends, path)
    again = view(seeded, backends)
    assert again.dump() == dumped
    assert again.counts() == {**counts, "Mentor": counts["Mentor"] + 1}
    assert [r.data["big"] for r in again.find("Mentor", {"tenant": "globex"})] == [2**70]
    assert not again.claim_seed("Course", {"tenant": "globex"})  # claimed before the reopen
    assert again.next_id("Mentor") == given + 1
    assert again.next_id("Prompt") == 2  # 1 was given to a record since removed
    backends.close()


def test_a_session_never_written_starts_from_the_seeded_world(
    seeded: InMemoryStore, backends: SqliteBackends
) -> None:
    assert view(seeded, backends, "new").dump() == LayeredStore(seeded).dump()


def test_sessions_are_listed_after_a_reopen_with_when_they_were_last_used(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    before = time.time()
    view(seeded, backends, "s1").add("Mentor", {"tenant": "acme"}, {"id": 9})
    view(seeded, backends, "s2")
    later = time.time() + 60
    backends.touch("s1", later)
    backends.touch("s1", later - 30)  # never back in time
    backends.touch("never-opened", later)  # nothing to note

    backends = reopen(backends, path)
    listed = backends.sessions()
    assert sorted(listed) == ["s1", "s2"]
    assert listed["s1"] == later
    assert before <= listed["s2"] <= time.time()
    assert view(seeded, backends, "s1").counts()["Mentor"] == 4
    backends.close()


def test_a_dropped_session_is_forgotten_and_the_others_stay(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    write_some(view(seeded, backends, "s1"), seeded)
    other = view(seeded, backends, "s2")
    write_some(other, seeded)
    kept = other.dump()
    backends.drop("s1")
    backends.touch("s1", time.time() + 60)  # a late use does not bring it back

    backends = reopen(backends, path)
    assert list(backends.sessions()) == ["s2"]
    assert view(seeded, backends, "s1").dump() == LayeredStore(seeded).dump()
    assert view(seeded, backends, "s2").dump() == kept
    backends.close()


def test_a_reset_is_kept_and_counters_start_again_after_it(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    store = view(seeded, backends)
    write_some(store, seeded)
    store.reset()
    assert store.dump() == LayeredStore(seeded).dump()
    after = store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt")})
    assert after.data["id"] == 1  # as in memory: a reset gives the seeded world's counters
    dumped = store.dump()

    backends = reopen(backends, path)
    again = view(seeded, backends)
    assert again.dump() == dumped
    assert again.claim_seed("Course", {"tenant": "globex"})  # the claim went with the reset
    assert backends.open("s").kept() == 2  # the add, the claim: nothing from before the reset
    backends.close()


def test_a_restored_snapshot_is_kept(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    store = view(seeded, backends)
    write_some(store, seeded)
    saved, dumped = store.snapshot(), store.dump()
    store.reset()
    store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt")})
    store.restore(saved)
    assert store.dump() == dumped

    backends = reopen(backends, path)
    assert view(seeded, backends).dump() == dumped
    backends.close()


def test_compaction_shortens_the_log_and_leaves_the_view_as_it_was(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    store = view(seeded, backends)
    made = store.add("Mentor", {"tenant": "acme"}, {"id": store.next_id("Mentor"), "n": 0})
    ada = seeded.find("Mentor", {})[0]
    updates = 3 * COMPACT_EVERY
    for n in range(1, updates + 1):
        made = store.update(made, {"n": n})
        ada = store.update(ada, {"n": -n})
    dumped = store.dump()
    assert store.get("Mentor", {}, "n", str(updates)) is not None
    assert backends.open("s").kept() < updates  # 2 * updates + 1 changes were kept

    backends = reopen(backends, path)
    assert view(seeded, backends).dump() == dumped
    backends.close()


def test_two_threads_writing_two_sessions_lose_nothing(
    seeded: InMemoryStore, backends: SqliteBackends, path: Path
) -> None:
    stores = {name: view(seeded, backends, name) for name in ("a", "b")}

    def write(store: LayeredStore) -> None:
        for _ in range(150):
            store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt")})

    threads = [threading.Thread(target=write, args=(store,)) for store in stores.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    dumps = {name: store.dump() for name, store in stores.items()}

    backends = reopen(backends, path)
    for name, dumped in dumps.items():
        again = view(seeded, backends, name)
        assert again.dump() == dumped
        assert again.counts()["Prompt"] == 150
    backends.close()


# Refusals: whole, before anything is applied, naming the file.


def refusal(path: Path, identity: Identity = IDENTITY) -> str:
    with pytest.raises(BackendRefused) as refused:
        SqliteBackends.open(path, identity).close()
    message = str(refused.value)
    assert str(path) in message
    return message


def kept_file(path: Path, seeded: InMemoryStore, writes: int = 1) -> bytes:
    """A closed file holding `writes` records; its bytes."""
    backends = SqliteBackends.open(path, IDENTITY)
    store = view(seeded, backends)
    for n in range(writes):
        store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt"), "text": "x" * n})
    backends.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    ("identity", "says"),
    [
        (Identity("another-document", IDENTITY.world), "another OpenAPI document"),
        (Identity(IDENTITY.document, "another-world"), "another seeded world"),
    ],
)
def test_a_file_of_another_document_or_world_is_refused_untouched(
    seeded: InMemoryStore, path: Path, identity: Identity, says: str
) -> None:
    written = kept_file(path, seeded)
    assert says in refusal(path, identity)
    assert path.read_bytes() == written
    SqliteBackends.open(path, IDENTITY).close()  # refused, not damaged: still opens here


def test_a_file_of_another_format_is_refused(seeded: InMemoryStore, path: Path) -> None:
    kept_file(path, seeded)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '999' WHERE name = 'format'")
    connection.close()
    assert "format 999" in refusal(path)


@pytest.mark.parametrize(
    "content",
    [b"not a database at all\n" * 100, b"SQLite format 3\x00" + b"\xff" * 5000, b"\x00" * 99],
    ids=["text", "garbage-after-a-header", "zeros"],
)
def test_a_file_that_is_not_a_sqlite_database_is_refused(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    message = refusal(path)
    assert "not an ibl-mock data file" in message or "damaged" in message
    assert path.read_bytes() == content


def test_a_sqlite_database_of_something_else_is_refused(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    assert "not an ibl-mock data file" in refusal(path)


def test_a_truncated_file_is_refused(seeded: InMemoryStore, path: Path) -> None:
    written = kept_file(path, seeded, writes=400)
    path.write_bytes(written[: len(written) // 2])
    assert "damaged" in refusal(path)


def test_an_empty_file_is_a_new_one(seeded: InMemoryStore, path: Path) -> None:
    path.touch()
    kept_file(path, seeded, writes=2)
    backends = SqliteBackends.open(path, IDENTITY)
    assert view(seeded, backends).counts()["Prompt"] == 2
    backends.close()


def test_a_file_in_use_is_refused_until_it_is_closed(path: Path) -> None:
    first = SqliteBackends.open(path, IDENTITY)
    message = refusal(path)
    assert "in use by another ibl-mock" in message and "pid" in message
    first.close()
    SqliteBackends.open(path, IDENTITY).close()


def test_a_directory_or_a_file_in_no_directory_is_refused(tmp_path: Path) -> None:
    assert "directory" in refusal(tmp_path)
    assert "No such file or directory" in refusal(tmp_path / "nowhere" / "state.db")


def test_writes_after_close_fail_loudly(seeded: InMemoryStore, path: Path) -> None:
    backends = SqliteBackends.open(path, IDENTITY)
    store = view(seeded, backends)
    backends.close()
    backends.close()  # twice is fine
    with pytest.raises(sqlite3.ProgrammingError):
        store.add("Prompt", {}, {"id": 1})
