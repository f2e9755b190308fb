"""The versions a request needs, read from Redis by the event loop before the engine runs.

Every request polls its session's log version and steering version (one MGET, see
redis_backend.py). Sent from the synchronous engine, that round trip blocks the event loop: with
one worker, a fifth of the loop's time went to waiting for Redis. Read here instead, as an await
on one of redis-py's asyncio connections (`redis.asyncio`), the loop serves other clients while
Redis answers.

What is read is handed to the engine through the request's context (`READ_AHEAD`, a
contextvar: each request is a task of its own, and the engine's worker thread runs in a copy of
the task's context). It was read after the request arrived, so it shows every write kept before
then, as the engine's own MGET would. When it cannot be read (Redis away), nothing is handed on
and the engine sends its own.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import redis
import redis.asyncio

# key -> value, as read for the current request; None outside one.
READ_AHEAD: ContextVar[Mapping[bytes, bytes | None] | None] = ContextVar(
    "ibl_mock_read_ahead", default=None
)


def taken(first: bytes, second: bytes) -> tuple[bytes | None, bytes | None] | None:
    """The two values read ahead for this request, once (None if they were not)."""
    ahead = READ_AHEAD.get()
    if ahead is None or first not in ahead or second not in ahead:
        return None
    READ_AHEAD.set(None)  # a later poll in the same request asks Redis again
    return ahead[first], ahead[second]


# Connections a loop keeps for reads ahead: one per request reading at once, up to this; a
# request beyond it leaves its poll to the engine.
MAX_CONNECTIONS = 64


class ReadAhead:
    """Idle asyncio connections of redis-py, per event loop (a connection belongs to the loop
    it was made on). A request takes one, sends its MGET, reads the reply and puts it back:
    redis-py's client and pool add their retry and check-out machinery to every call, more than
    the round trip costs, as on the engine's side (redis_backend._Commands)."""

    def __init__(self, url: str) -> None:
        self._pool = redis.asyncio.ConnectionPool.from_url(url)  # only its connection settings
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]]
        self._idle = weakref.WeakKeyDictionary()
        self._made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int]
        self._made = weakref.WeakKeyDictionary()

    async def read(self, keys: Sequence[bytes]) -> None:
        loop = asyncio.get_running_loop()
        idle = self._idle.setdefault(loop, [])
        if idle:
            connection = idle.pop()
        elif self._made.get(loop, 0) < MAX_CONNECTIONS:
            self._made[loop] = self._made.get(loop, 0) + 1
            connection = self._pool.connection_class(**self._pool.connection_kwargs)
        else:
            return  # as many reading as allowed: the engine asks for itself
        try:
            await connection.send_packed_command(packed(b"MGET", *keys), check_health=False)
            values = await connection.read_response()
        except BaseException as error:  # a reply may still come: the connection is not reused
            self._made[loop] -= 1
            await connection.disconnect(nowait=True)
            if isinstance(error, redis.RedisError | OSError):
                return  # the engine asks for itself
            raise  # cancelled (the client went away)
        idle.append(connection)
        READ_AHEAD.set({key: _bytes(value) for key, value in zip(keys, values, strict=True)})


def packed(*parts: bytes) -> bytes:
    """One command in Redis's protocol."""
    head = b"*%d\r\n" % len(parts)
    return head + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)


def _bytes(value: bytes | str | None) -> bytes | None:
    if isinstance(value, str):  # not with the default decode_responses=False
        return value.encode()
    return value
