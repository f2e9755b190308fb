"""Sessions kept in Redis: two replicas of one session, as two workers hold them.

Each replica is a `LayeredStore` over its own seeded world and its own `RedisBackends` (its own
connections), as in two processes; `refresh()` is what every request does first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import redis as redis_py
from redis_server import redis_url  # noqa: F401  (the fixture)

from mock_server.store import FellBehind, InMemoryStore, LayeredStore
from mock_server.store.backends import BackendRefused, Identity
from mock_server.store.layered import COMPACT_EVERY
from mock_server.store.redis_backend import RedisBackend, RedisBackends, shown

IDENTITY = Identity(document="d" * 64, world="w" * 64)
TENANT = {"tenant": "acme"}
SESSION = "two-workers"


def seeded_world() -> InMemoryStore:
    seeded = InMemoryStore()
    for n in (1, 2, 3):
        seeded.add("Mentor", TENANT, {"id": n, "name": f"seeded {n}"})
    seeded.claim_seed("Mentor", TENANT)
    return seeded


Replica = Callable[[], LayeredStore]


@pytest.fixture
def replica(redis_url: str) -> Iterator[Replica]:  # noqa: F811
    """A new replica of SESSION each call, on connections of its own (another worker)."""
    redis_py.Redis.from_url(redis_url).flushdb()
    opened: list[RedisBackends] = []

    def make() -> LayeredStore:
        opened.append(RedisBackends.connect(redis_url, IDENTITY))
        return LayeredStore(seeded_world(), opened[-1].open(SESSION))

    yield make
    for backends in opened:
        backends.close()


def names(store: LayeredStore) -> list[str]:
    return [r.data["name"] for r in store.find("Mentor", TENANT)]


def test_a_write_in_one_replica_is_seen_by_the_other_after_refresh(replica: Replica) -> None:
    one, two = replica(), replica()
    one.add("Mentor", TENANT, {"id": one.next_id("Mentor"), "name": "added"})
    one.update(one.find("Mentor", TENANT)[0], {"name": "renamed"})
    one.remove(one.find("Mentor", TENANT)[1])
    assert names(two) == ["seeded 1", "seeded 2", "seeded 3"]  # not until it looks
    two.refresh()
    assert names(two) == names(one) == ["renamed", "seeded 3", "added"]
    assert two.dump() == one.dump()


def test_ids_and_records_from_both_replicas_are_distinct(replica: Replica) -> None:
    one, two = replica(), replica()
    given = []
    for turn in range(10):
        for store in (one, two):
            store.refresh()
            identifier = store.next_id("Mentor")
            store.add("Mentor", TENANT, {"id": identifier, "name": f"r{turn}"})
            given.append(identifier)
    assert len(set(given)) == 20 and min(given) == 4
    one.refresh()
    two.refresh()
    assert len(one.find("Mentor", TENANT)) == len(two.find("Mentor", TENANT)) == 23


@pytest.mark.parametrize("target", ["seeded", "created"])
def test_concurrent_merges_of_one_record_from_two_replicas_lose_nothing(
    replica: Replica, target: str
) -> None:
    one, two = replica(), replica()
    if target == "created":
        one.add("Mentor", TENANT, {"id": 50, "name": "made"})
        two.refresh()
    key = "1" if target == "seeded" else "50"
    start = threading.Barrier(2)

    def write(store: LayeredStore, worker: int) -> None:
        start.wait()
        for n in range(60):
            store.refresh()  # as each request does
            current = store.get("Mentor", TENANT, "id", key)
            assert current is not None
            store.update(current, {f"w{worker}_{n}": n, "name": f"w{worker}"})

    threads = [threading.Thread(target=write, args=(s, w)) for w, s in enumerate((one, two))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in (one, two):
        store.refresh()
        merged = store.get("Mentor", TENANT, "id", key)
        assert merged is not None
        assert {f"w{w}_{n}" for w in (0, 1) for n in range(60)} <= merged.data.keys()
    assert one.dump() == two.dump() == replica().dump()


def test_a_reset_from_one_replica_empties_both(replica: Replica) -> None:
    one, two = replica(), replica()
    first_id = one.next_id("Mentor")
    one.add("Mentor", TENANT, {"id": first_id, "name": "added"})
    assert one.claim_seed("Mentor", {"tenant": "new"})
    two.refresh()
    assert len(two.find("Mentor", TENANT)) == 4
    before = LayeredStore(seeded_world()).dump()
    one.reset()
    two.refresh()
    assert one.dump() == two.dump() == before
    assert two.next_id("Mentor") == first_id  # the counters went too
    assert two.claim_seed("Mentor", {"tenant": "new"})  # and the claims
    assert not one.claim_seed("Mentor", {"tenant": "new"})


def test_compaction_shortens_the_log_and_keeps_every_view_equal(replica: Replica) -> None:
    one, two = replica(), replica()
    record = one.find("Mentor", TENANT)[0]
    for n in range(3 * COMPACT_EVERY):
        record = one.update(record, {"name": f"v{n}", f"k{n % 5}": n})
        if n % 100 == 0:
            two.refresh()  # `two` reads part of the log, then finds it replaced
    backend = one._backend
    assert isinstance(backend, RedisBackend)
    assert backend.kept() < 2 * COMPACT_EVERY  # compacted at least once
    two.refresh()
    assert one.dump() == two.dump() == replica().dump()
    got = two.get("Mentor", TENANT, "id", "1")
    assert got is not None and got.data["name"] == f"v{3 * COMPACT_EVERY - 1}"


def test_another_epoch_makes_a_replica_rebuild(replica: Replica) -> None:
    one, two = replica(), replica()
    one.add("Mentor", TENANT, {"id": 9, "name": "first"})
    two.refresh()
    stale = two._backend
    assert isinstance(stale, RedisBackend)
    one.reset()  # a new epoch
    one.add("Mentor", TENANT, {"id": 10, "name": "second"})
    with pytest.raises(FellBehind):
        stale.since()
    two.refresh()  # rebuilt from state()
    assert names(two) == ["seeded 1", "seeded 2", "seeded 3", "second"]


def test_a_replica_of_a_dropped_and_remade_session_rebuilds(redis_url: str) -> None:  # noqa: F811
    redis_py.Redis.from_url(redis_url).flushdb()
    backends = RedisBackends.connect(redis_url, IDENTITY)
    one, two = (LayeredStore(seeded_world(), backends.open(SESSION)) for _ in range(2))
    one.add("Mentor", TENANT, {"id": 9, "name": "before"})
    two.refresh()
    backends.touch(SESSION, 1.5)
    assert backends.sessions() == {SESSION: 1.5}
    backends.drop(SESSION)
    assert backends.sessions() == {}
    remade = LayeredStore(seeded_world(), backends.open(SESSION))
    assert names(remade) == ["seeded 1", "seeded 2", "seeded 3"]
    remade.add("Mentor", TENANT, {"id": 9, "name": "after"})  # as long a log as before
    two.refresh()
    assert names(two) == ["seeded 1", "seeded 2", "seeded 3", "after"]
    backends.close()


def test_a_claim_is_won_once_and_reaches_the_other_replica(replica: Replica) -> None:
    one, two = replica(), replica()
    assert one.claim_seed("Mentor", {"tenant": "new"})
    assert not two.claim_seed("Mentor", {"tenant": "new"})
    three = replica()
    assert ["Mentor", [("tenant", "new")]] in [
        [resource, [tuple(pair) for pair in scope]] for resource, scope in three.dump()["seeded"]
    ]


def test_values_json_cannot_hold_in_64_bits_come_back_exactly(replica: Replica) -> None:
    one, two = replica(), replica()
    one.add("Mentor", TENANT, {"id": 7, "name": "wide", "big": 2**70, "odd": "\ud800"})
    two.refresh()
    got = two.get("Mentor", TENANT, "id", "7")
    assert got is not None and got.data["big"] == 2**70 and got.data["odd"] == "\ud800"


def test_replicas_keep_reading_and_writing_after_their_connections_drop(
    replica: Replica,
    redis_url: str,  # noqa: F811
) -> None:
    one, two = replica(), replica()
    one.add("Mentor", TENANT, {"id": 9, "name": "before"})
    two.refresh()
    redis_py.Redis.from_url(redis_url).client_kill_filter(_type="normal", skipme=True)
    one.add("Mentor", TENANT, {"id": 10, "name": "after"})
    two.refresh()  # its connection for `version` is gone too: reconnected
    assert names(two) == ["seeded 1", "seeded 2", "seeded 3", "before", "after"]


def test_state_of_another_world_is_refused(redis_url: str) -> None:  # noqa: F811
    redis_py.Redis.from_url(redis_url).flushdb()
    RedisBackends.connect(redis_url, IDENTITY).close()
    RedisBackends.connect(redis_url, IDENTITY).close()  # the same world resumes
    with pytest.raises(BackendRefused, match="another seeded world"):
        RedisBackends.connect(redis_url, Identity(document="d" * 64, world="x" * 64))
    with pytest.raises(BackendRefused, match="another OpenAPI document"):
        RedisBackends.connect(redis_url, Identity(document="e" * 64, world="w" * 64))


def test_an_unreachable_redis_is_refused_with_how_to_start_one() -> None:
    with pytest.raises(BackendRefused) as refused:
        RedisBackends.connect("redis://127.0.0.1:1/0", IDENTITY)
    message = str(refused.value)
    assert "redis://127.0.0.1:1/0" in message and "redis-server" in message
    assert shown("redis://user:secret@host:6379/0") == "redis://user:***@host:6379/0"
