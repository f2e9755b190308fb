"""One set of cases for every store a session can be kept in: memory, SQLite, Redis.

Each case runs against a session's view (`LayeredStore`) over a small seeded world, with the
session kept by each backend in turn. `other()` is another view of the same session that must
see what the first wrote: the process after a restart (SQLite), another worker's replica
(Redis), the same view (memory). `peer()` is a view used at the same time as the first: another
replica on Redis, the same view where one process owns the state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis_server import redis_url  # noqa: F401  (the fixture)

from mock_server.store import Backends, InMemoryStore, LayeredStore, Record
from mock_server.store.backends import Identity

IDENTITY = Identity(document="d" * 64, world="w" * 64)
TENANT = {"tenant": "acme"}


def seeded_world() -> InMemoryStore:
    seeded = InMemoryStore()
    for n in (1, 2, 3):
        seeded.add("Mentor", TENANT, {"id": n, "name": f"seeded {n}", "slug": f"m{n}"})
    seeded.add("Mentor", {"tenant": "other"}, {"id": 4, "name": "elsewhere", "slug": "m4"})
    seeded.claim_seed("Mentor", TENANT)
    return seeded


@dataclass
class Kept:
    """A session's view on one backend, and how to open other views of it."""

    store: LayeredStore
    other: Callable[[], LayeredStore]
    peer: Callable[[], LayeredStore]


def _memory(tmp_path: Path) -> Iterator[Kept]:
    store = LayeredStore(seeded_world())
    yield Kept(store, lambda: store, lambda: store)  # one process: its only replica


def _on(backends: Callable[[], Backends], *, shared: bool) -> Iterator[Kept]:
    """`shared`: many processes may hold the state at once; else opening it again is a
    restart (the earlier process is gone first)."""
    opened: list[Backends] = []

    def view() -> LayeredStore:
        if not shared:
            for earlier in opened:
                earlier.close()
            opened.clear()
        kept = backends()
        opened.append(kept)
        return LayeredStore(seeded_world(), kept.open("conformance"))

    first = view()
    holder = {"latest": first}

    def other() -> LayeredStore:
        holder["latest"] = view()
        return holder["latest"]

    def peer() -> LayeredStore:
        return view() if shared else holder["latest"]

    yield Kept(first, other, peer)
    for kept in opened:
        kept.close()


def _sqlite(tmp_path: Path) -> Iterator[Kept]:
    from mock_server.store.sqlite_backend import SqliteBackends

    yield from _on(lambda: SqliteBackends.open(tmp_path / "state.db", IDENTITY), shared=False)


def _redis(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Kept]:
    import redis as redis_py

    from mock_server.store.redis_backend import RedisBackends

    url: str = request.getfixturevalue("redis_url")
    redis_py.Redis.from_url(url).flushdb()
    yield from _on(lambda: RedisBackends.connect(url, IDENTITY), shared=True)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def kept(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kept]:
    if request.param == "memory":
        yield from _memory(tmp_path)
    elif request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _redis(tmp_path, request)


def names(records: list[Record]) -> list[str]:
    return [r.data["name"] for r in records]


def test_a_session_starts_as_the_seeded_world(kept: Kept) -> None:
    assert names(kept.store.find("Mentor", TENANT)) == ["seeded 1", "seeded 2", "seeded 3"]
    assert names(kept.store.find("Mentor", {})) == [
        *[f"seeded {n}" for n in (1, 2, 3)],
        "elsewhere",
    ]
    assert kept.store.counts() == {"Mentor": 4}
    assert kept.store.written() == 0
    assert not kept.store.claim_seed("Mentor", TENANT)  # seeded already


def test_what_is_added_is_found_got_and_seen_by_the_other_view(kept: Kept) -> None:
    added = kept.store.add(
        "Mentor", TENANT | {"user": "bob"}, {"id": 9, "name": "new", "slug": "n"}
    )
    assert names(kept.store.find("Mentor", TENANT))[-1] == "new"
    assert kept.store.find("Mentor", {"tenant": "other"})[-1].data["name"] == "elsewhere"
    assert kept.store.get("Mentor", TENANT, "slug", "n") == added
    assert kept.store.get("Mentor", {"tenant": "other"}, "slug", "n") is None
    other = kept.other()
    assert names(other.find("Mentor", TENANT)) == names(kept.store.find("Mentor", TENANT))
    assert other.get("Mentor", TENANT, "slug", "n") == added


def test_a_changed_seeded_record_keeps_its_place_and_the_seeded_world_is_untouched(
    kept: Kept,
) -> None:
    first = kept.store.find("Mentor", TENANT)[0]
    changed = kept.store.update(first, {"name": "renamed", "slug": "r1"})
    assert changed.data == {"id": 1, "name": "renamed", "slug": "r1"}
    assert names(kept.store.find("Mentor", TENANT))[0] == "renamed"
    assert kept.store.get("Mentor", TENANT, "slug", "m1") is None  # re-indexed
    assert kept.store.get("Mentor", TENANT, "slug", "r1") == changed
    assert first.data["name"] == "seeded 1"  # the seeded record itself is never written
    assert names(LayeredStore(seeded_world()).find("Mentor", TENANT))[0] == "seeded 1"
    assert names(kept.other().find("Mentor", TENANT))[0] == "renamed"
    assert kept.store.counts() == {"Mentor": 4}


def test_updates_merge_into_what_is_held_now(kept: Kept) -> None:
    record = kept.store.find("Mentor", TENANT)[1]
    kept.store.update(record, {"name": "a"})
    kept.store.update(record, {"slug": "b"})  # from the stale record: no field is lost
    got = kept.other().get("Mentor", TENANT, "id", "2")
    assert got is not None and (got.data["name"], got.data["slug"]) == ("a", "b")


def test_removed_records_are_gone_everywhere_and_ids_never_come_back(kept: Kept) -> None:
    seeded, made = kept.store.find("Mentor", TENANT)[0], None
    made = kept.store.add("Mentor", TENANT, {"id": kept.store.next_id("Mentor"), "name": "x"})
    kept.store.remove(seeded)
    kept.store.remove(made)
    assert names(kept.store.find("Mentor", TENANT)) == ["seeded 2", "seeded 3"]
    assert kept.store.counts() == {"Mentor": 3}
    assert kept.store.update(seeded, {"name": "ghost"}).data["name"] == "ghost"
    assert names(kept.store.find("Mentor", TENANT)) == ["seeded 2", "seeded 3"]  # stays gone
    assert kept.store.next_id("Mentor") > made.data["id"]
    assert names(kept.other().find("Mentor", TENANT)) == ["seeded 2", "seeded 3"]


def test_ids_are_above_every_seeded_id_and_unique_across_views(kept: Kept) -> None:
    first, second = kept.store, kept.peer()
    given = [first.next_id("Mentor"), second.next_id("Mentor")]
    given += [first.next_id("Mentor") for _ in range(3)]
    for identifier in given:  # an id a record holds is never given again, after a restart too
        first.add("Mentor", TENANT, {"id": identifier, "name": f"n{identifier}"})
    given.append(kept.other().next_id("Mentor"))
    assert min(given) > 4 and len(set(given)) == len(given)


def test_concurrent_writes_from_two_views_lose_nothing(kept: Kept) -> None:
    views = [kept.store, kept.peer()]
    target = kept.store.find("Mentor", TENANT)[2]
    made: list[int] = []
    lock = threading.Lock()

    def work(view: LayeredStore, turn: int) -> None:
        for n in range(20):
            identifier = view.next_id("Mentor")
            view.add("Mentor", TENANT, {"id": identifier, "name": f"t{turn}-{n}"})
            view.refresh()
            current = view.get("Mentor", TENANT, "id", "3") or target
            view.update(current, {f"field_{turn}_{n}": n})
            with lock:
                made.append(identifier)

    threads = [threading.Thread(target=work, args=(views[t % 2], t)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 80
    for view in views:
        view.refresh()
        assert len(view.find("Mentor", TENANT)) == 83
        merged = view.get("Mentor", TENANT, "id", "3")
        assert merged is not None
        assert {f"field_{t}_{n}" for t in range(4) for n in range(20)} <= merged.data.keys()


def test_a_scope_is_claimed_once(kept: Kept) -> None:
    assert kept.store.claim_seed("Mentor", {"tenant": "new"})
    assert not kept.store.claim_seed("Mentor", {"tenant": "new"})
    assert not kept.other().claim_seed("Mentor", {"tenant": "new"})


def test_reset_goes_back_to_the_seeded_world_in_every_view(kept: Kept) -> None:
    kept.store.add("Mentor", TENANT, {"id": kept.store.next_id("Mentor"), "name": "x"})
    kept.store.update(kept.store.find("Mentor", TENANT)[0], {"name": "changed"})
    kept.store.claim_seed("Mentor", {"tenant": "new"})
    before = LayeredStore(seeded_world()).dump()
    kept.store.reset()
    assert kept.store.dump() == before
    assert kept.store.claim_seed("Mentor", {"tenant": "new"})  # claims went too
    other = kept.other()
    other.refresh()
    assert [r.data for r in other.find("Mentor", {})] == [r[2] for r in before["records"]]


def test_snapshot_restore_and_dump_load_round_trip(kept: Kept) -> None:
    kept.store.add("Mentor", TENANT, {"id": kept.store.next_id("Mentor"), "name": "x"})
    kept.store.remove(kept.store.find("Mentor", TENANT)[0])
    snapshot, dumped = kept.store.snapshot(), kept.store.dump()
    kept.store.reset()
    kept.store.restore(snapshot)
    assert kept.store.dump() == dumped
    kept.store.reset()
    kept.store.load(dumped)
    assert [r[2] for r in kept.store.dump()["records"]] == [r[2] for r in dumped["records"]]
    assert kept.other().dump()["records"] == kept.store.dump()["records"]


def test_many_updates_of_one_record_leave_the_same_view(kept: Kept) -> None:
    """Hundreds of writes: the backends' logs are compacted, and nothing changes by it."""
    record = kept.store.find("Mentor", TENANT)[0]
    for n in range(600):
        record = kept.store.update(record, {"name": f"v{n}", f"k{n % 7}": n})
    assert kept.store.dump() == kept.other().dump()
    got = kept.other().get("Mentor", TENANT, "id", "1")
    assert got is not None and got.data["name"] == "v599" and got.data["k0"] == 595
