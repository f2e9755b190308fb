"""A session's steering and journal in Redis, as two workers see them (store/redis_shared.py).

Each "worker" is a `RedisBackends` of its own (its own connections); `since()` is the poll every
request makes first, and it reads the steering's version in the same round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

import pytest
import redis as redis_py
from redis_server import redis_url  # noqa: F401  (the fixture)

from mock_server.store.backends import Identity
from mock_server.store.changes import Change, Kind
from mock_server.store.redis_ahead import MAX_CONNECTIONS, READ_AHEAD, ReadAhead, taken
from mock_server.store.redis_backend import UNREAD_LIMIT, RedisBackend, RedisBackends
from mock_server.store.shared import OverrideLimit

IDENTITY = Identity(document="d" * 64, world="w" * 64)
SESSION = "steered"

Worker = Callable[[], tuple[RedisBackends, RedisBackend]]


@pytest.fixture
def worker(redis_url: str) -> Iterator[Worker]:  # noqa: F811
    redis_py.Redis.from_url(redis_url).flushdb()
    opened: list[RedisBackends] = []

    def make() -> tuple[RedisBackends, RedisBackend]:
        opened.append(RedisBackends.connect(redis_url, IDENTITY))
        return opened[-1], opened[-1].open(SESSION)

    yield make
    for backends in opened:
        backends.close()


def test_an_override_kept_by_one_worker_is_loaded_by_the_other(worker: Worker) -> None:
    (one, one_session), (two, two_session) = worker(), worker()
    mine, theirs = one.steering(one_session), two.steering(two_session)
    first = mine.install({"operation": "list", "status": 403}, limit=10)
    second = mine.install({"operation": "list", "status": 404, "times": 2}, limit=10)
    assert (first, second) == ("ov-1", "ov-2")
    one_session.since()
    assert not mine.changed()  # its own changes: nothing to reload
    two_session.since()
    assert theirs.changed()
    kept = theirs.load()
    assert [override_id for override_id, _ in kept.overrides] == ["ov-1", "ov-2"]
    assert kept.overrides[1][1] == {"operation": "list", "status": 404, "times": 2}
    two_session.since()
    assert not theirs.changed()


def test_uses_are_counted_once_across_workers_and_end_with_the_override(worker: Worker) -> None:
    (one, one_session), (two, two_session) = worker(), worker()
    mine, theirs = one.steering(one_session), two.steering(two_session)
    made = mine.install({"operation": "list", "times": 3}, limit=10)
    assert [mine.use(made), theirs.use(made), mine.use(made)] == [1, 2, 3]
    assert theirs.uses() == {made: 3}
    assert theirs.remove(made) and not mine.remove(made)
    assert mine.use(made) == 0  # gone: no use is counted
    assert mine.uses() == {}


def test_the_override_limit_holds_across_workers(worker: Worker) -> None:
    (one, one_session), (two, two_session) = worker(), worker()
    one.steering(one_session).install({"operation": "a"}, limit=2)
    two.steering(two_session).install({"operation": "b"}, limit=2)
    with pytest.raises(OverrideLimit):
        one.steering(one_session).install({"operation": "c"}, limit=2)


def test_chaos_settings_reach_the_other_worker(worker: Worker) -> None:
    (one, one_session), (two, two_session) = worker(), worker()
    theirs = two.steering(two_session)
    assert theirs.load().chaos is None  # never set in this session
    one.steering(one_session).set_chaos({"latency": None, "error_rate": 0.5})
    two_session.since()
    assert theirs.changed()
    assert theirs.load().chaos == {"latency": None, "error_rate": 0.5}


def test_the_journal_keeps_the_newest_entries_with_ids_from_every_worker(worker: Worker) -> None:
    (one, _), (two, _) = worker(), worker()
    mine, theirs = one.journal(SESSION), two.journal(SESSION)
    for n in range(150):
        (mine if n % 2 else theirs).append({"path": f"/{n + 1}"}, size=100)
        (one if n % 2 else two).wait_kept()  # as a client waits for each answer
    shown = mine.entries()
    assert len(shown) == 100 and mine.total() == theirs.total() == 150
    assert [entry["id"] for entry in shown] == list(range(150, 50, -1))
    assert all(entry["path"] == f"/{entry['id']}" for entry in shown)
    theirs.clear()
    assert mine.entries() == [] and mine.total() == 150  # ids go on counting


def test_a_thread_that_only_appends_never_leaves_unbounded_replies(worker: Worker) -> None:
    backends, session = worker()
    journal = backends.journal(SESSION)
    for n in range(3 * UNREAD_LIMIT):
        journal.append({"n": n}, size=10)
    assert backends._scripts._local.unread <= UNREAD_LIMIT + 5
    session.since()  # reads what is left, then its own answer
    assert backends._scripts._local.unread == 0
    assert journal.total() == 3 * UNREAD_LIMIT


def test_dropping_the_session_forgets_its_steering_and_journal(worker: Worker) -> None:
    backends, session = worker()
    backends.steering(session).install({"operation": "a"}, limit=5)
    backends.journal(SESSION).append({"path": "/"}, size=5)
    backends.drop(SESSION)
    fresh = backends.open(SESSION)
    assert backends.steering(fresh).load().overrides == []
    assert backends.journal(SESSION).entries() == [] and backends.journal(SESSION).total() == 0


def test_the_versions_read_ahead_on_the_loop_spare_the_engine_its_round_trip(
    worker: Worker,
    redis_url: str,  # noqa: F811
) -> None:
    (_, one_session), (two, two_session) = worker(), worker()
    one_session.keep(Change(Kind.ADD, "Mentor", 1, {"tenant": "acme"}, {"id": 1}))
    two_session.state()  # the second replica up to date
    one_session.keep(Change(Kind.ADD, "Mentor", 2, {"tenant": "acme"}, {"id": 2}))
    stats = redis_py.Redis.from_url(redis_url)

    def mgets() -> int:
        return int(stats.info("commandstats").get("cmdstat_mget", {}).get("calls", 0))

    async def request() -> list[Change]:
        pending = two.read_ahead(SESSION)
        assert pending is not None
        await pending  # as the endpoint does before the engine runs
        before = mgets()
        changes = list(two_session.since())  # the engine's poll: no MGET of its own
        assert mgets() == before
        return changes

    seen = asyncio.run(request())
    assert [c.seq for c in seen if c.kind is Kind.ADD] == [2]  # read ahead, still up to date
    before = mgets()
    assert list(two_session.since()) == []  # outside a request: asks Redis itself
    assert mgets() == before + 1


def test_a_read_ahead_that_cannot_reach_redis_leaves_the_poll_to_the_engine() -> None:
    unreachable = ReadAhead("redis://127.0.0.1:1/0")  # nothing listens on port 1

    async def request() -> None:
        await unreachable.read([b"version", b"steering"])
        assert READ_AHEAD.get() is None
        assert taken(b"version", b"steering") is None

    asyncio.run(request())


def test_a_read_ahead_cancelled_midway_gives_its_connection_up(redis_url: str) -> None:  # noqa: F811
    ahead = ReadAhead(redis_url)

    async def requests() -> None:
        for _ in range(MAX_CONNECTIONS + 1):  # more than it may keep, each cancelled
            reading = asyncio.ensure_future(ahead.read([b"version", b"steering"]))
            await asyncio.sleep(0)  # sent, its reply not read yet
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
        await ahead.read([b"version", b"steering"])  # still reads ahead
        assert READ_AHEAD.get() == {b"version": None, b"steering": None}

    asyncio.run(requests())
