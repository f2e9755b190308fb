"""A session's steering and journal in Redis, so every worker answers as one mock.

Per session, beside its log (redis_backend.py):

- `steering`: a counter raised by every change of the overrides or chaos settings. The request
  that polls the log's version reads it in the same MGET, so noticing a change costs nothing;
  a process that finds it moved reloads the steering (`load`), and one that made the change
  itself moves along with it.
- `overrides`: a hash, id -> the payload it was installed with; `installed`: the id counter;
  `uses`: a hash, id -> how many answers it has made, counted here so that an override limited
  to `times` answers makes exactly that many across every worker;
- `chaos`: the session's chaos settings, as JSON;
- `journal`: a list of the newest entries (JSON); `requests`: how many were ever appended.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis

from mock_server.store.redis_ahead import packed
from mock_server.store.redis_backend import (
    RedisBackend,
    _Commands,
    decode,
    encode,
    session_key,
)
from mock_server.store.shared import KeptSteering, OverrideLimit

# KEYS: overrides, installed, steering; ARGV: payload, limit. -> the new id, or nil at the limit.
_INSTALL = """
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[2]) then return false end
local id = 'ov-' .. redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], id, ARGV[1])
return {id, redis.call('INCR', KEYS[3])}
"""

# KEYS: overrides, uses, steering; ARGV: id. -> the new steering version, or 0 if it was gone.
_REMOVE = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('INCR', KEYS[3])
"""

# KEYS: overrides, uses, steering. -> the new steering version.
_CLEAR = """
redis.call('DEL', KEYS[1], KEYS[2])
return redis.call('INCR', KEYS[3])
"""

# KEYS: overrides, uses; ARGV: id. -> its uses with this one, or 0 if it is gone.
_USE = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
"""

# KEYS: chaos, steering; ARGV: settings. -> the new steering version.
_SET_CHAOS = """
redis.call('SET', KEYS[1], ARGV[1])
return redis.call('INCR', KEYS[2])
"""

# KEYS: steering, overrides, uses, chaos. -> {version, overrides, uses, chaos}, read at once.
_LOAD = """
return {redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2]),
        redis.call('HGETALL', KEYS[3]), redis.call('GET', KEYS[4])}
"""


class _Scripts:
    def __init__(self, client: redis.Redis) -> None:
        self.install = client.register_script(_INSTALL)
        self.remove = client.register_script(_REMOVE)
        self.clear = client.register_script(_CLEAR)
        self.use = client.register_script(_USE)
        self.set_chaos = client.register_script(_SET_CHAOS)
        self.load = client.register_script(_LOAD)


_scripts: dict[int, _Scripts] = {}


def _scripts_of(client: redis.Redis) -> _Scripts:
    # One registration per client (a script object only holds its text and digest).
    found = _scripts.get(id(client))
    if found is None:
        found = _scripts[id(client)] = _Scripts(client)
    return found


def _text(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode()


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _pairs(flat: list[Any]) -> list[tuple[str, bytes]]:
    return [(_text(key), value) for key, value in zip(flat[::2], flat[1::2], strict=True)]


def _order(override_id: str) -> int:
    return int(override_id.removeprefix("ov-"))


class RedisSteering:
    """One session's overrides and chaos settings (a `SteeringKeep`)."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._client = backend.client
        self._scripts = _scripts_of(self._client)
        name = backend.name
        self._overrides = session_key(name, "overrides")
        self._uses = session_key(name, "uses")
        self._installed = session_key(name, "installed")
        self._chaos = session_key(name, "chaos")
        self._steering = session_key(name, "steering")
        self._loaded = 0  # the steering version this process holds

    def changed(self) -> bool:
        polled = self._backend.steering_version
        return int(polled or 0) != self._loaded

    def load(self) -> KeptSteering:
        version, overrides, uses, chaos = self._scripts.load(
            [self._steering, self._overrides, self._uses, self._chaos]
        )
        self._loaded = int(version)
        kept = sorted(_pairs(overrides), key=lambda pair: _order(pair[0]))
        return KeptSteering(
            overrides=[(override_id, decode(payload)) for override_id, payload in kept],
            uses={override_id: int(count) for override_id, count in _pairs(uses)},
            chaos=None if chaos is None else decode(chaos),
        )

    def install(self, payload: Mapping[str, Any], limit: int) -> str:
        keys = [self._overrides, self._installed, self._steering]
        reply = self._scripts.install(keys, [encode(dict(payload)), limit])
        if reply is None:
            raise OverrideLimit
        override_id, version = reply
        self._moved(int(version))
        return _text(override_id)

    def remove(self, override_id: str) -> bool:
        keys = [self._overrides, self._uses, self._steering]
        version = int(self._scripts.remove(keys, [override_id]))
        if version:
            self._moved(version)
        return bool(version)

    def clear(self) -> None:
        self._moved(int(self._scripts.clear([self._overrides, self._uses, self._steering])))

    def use(self, override_id: str) -> int:
        return int(self._scripts.use([self._overrides, self._uses], [override_id]))

    def uses(self) -> dict[str, int]:
        return {_text(key): int(value) for key, value in self._client.hgetall(self._uses).items()}

    def set_chaos(self, settings: Mapping[str, Any]) -> None:
        version = self._scripts.set_chaos([self._chaos, self._steering], [encode(dict(settings))])
        self._moved(int(version))

    def _moved(self, version: int) -> None:
        """This process made the change that raised the version to `version`: if it held the
        one before, it holds this one now; else someone else changed it too, and the next
        request reloads."""
        if version == self._loaded + 1:
            self._loaded = version


class RedisJournal:
    """One session's journal (a `JournalKeep`). Entries are kept without ids: an entry's id is
    the count of appends when it was appended, which the reader works out from the count now
    and the entry's place, both read at once."""

    def __init__(self, client: redis.Redis, commands: _Commands, session: str) -> None:
        self._client = client
        self._commands = commands
        self._journal = session_key(session, "journal")
        self._requests = session_key(session, "requests")
        self._journal_key, self._requests_key = self._journal.encode(), self._requests.encode()

    def append(self, entry: Mapping[str, Any], size: int) -> None:
        # MULTI: the entry and the count move together. Sent without waiting for the replies:
        # a request's answer does not wait for its journal entry's.
        self._commands.send_unanswered(
            [
                packed(b"MULTI"),
                packed(b"RPUSH", self._journal_key, encode(dict(entry))),
                packed(b"LTRIM", self._journal_key, b"%d" % -size, b"-1"),
                packed(b"INCR", self._requests_key),
                packed(b"EXEC"),
            ],
            replies=5,
        )

    def entries(self) -> list[dict[str, Any]]:
        with self._client.pipeline(transaction=True) as reading:
            reading.get(self._requests)
            reading.lrange(self._journal, 0, -1)
            total, kept = reading.execute()
        newest = int(total or 0)
        return [{"id": newest - age, **decode(raw)} for age, raw in enumerate(reversed(kept))]

    def total(self) -> int:
        return int(self._client.get(self._requests) or 0)

    def clear(self) -> None:
        self._client.delete(self._journal)
