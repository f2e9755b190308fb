"""Sessions kept in Redis (`--store redis://HOST:PORT/DB`), shared by every worker and host.

Under the key prefix (`ibl-mock:`), one database holds:

- `meta`: the identity the state was written for (format, document, seeded world);
- `sessions`: a hash, session name -> when it was last used;
- `epochs`: a counter from which every session epoch is drawn, so none is ever given twice;
- per session `session:NAME:` + `log` (a list of changes, JSON), `epoch`, `version` (the
  epoch and the log's length, "E:L"), `counters` (a hash of id counters), `seq` (the seq
  counter) and `claims` (a set of seeded scopes).

A replica knows how far into its session's log it has read (`position`) and under which epoch.
A RESET, a compaction and a drop replace the log, so each gives the session a new epoch (a drop
deletes it: absent reads as 0, and a log is never kept under 0); a replica that finds another
epoch, or a log shorter than what it read, rebuilds from `state()`. Each operation is one Lua
script: one round trip, atomic against every other worker's. The one every request makes,
`since()`, is a plain GET of `version` while nothing changed: a script cost Redis 20-40 µs
where a GET costs 1.5, and Redis shares the machine's cores with the workers.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import redis

from mock_server.store.backends import BackendRefused, Identity
from mock_server.store.changes import Backend, Change, FellBehind, Kind
from mock_server.store.redis_ahead import ReadAhead, packed, taken

if TYPE_CHECKING:
    from mock_server.store.redis_shared import RedisJournal, RedisSteering

PREFIX = "ibl-mock:"
# A session's keys besides its log's: its steering and journal (redis_shared.py).
SHARED_PARTS = ("steering", "overrides", "uses", "installed", "chaos", "journal", "requests")


# Replies left unread on a thread's connection before it stops to read them: Redis holds them
# in its output buffer meanwhile.
UNREAD_LIMIT = 1000


def session_key(session: str, part: str) -> str:
    return f"{PREFIX}session:{session}:{part}"


# For the scripts: a session's epoch, drawn from `epochs` when it has none yet (its first
# write); and its `version`, set after every change of its log.
_HELPERS = """
local function ensure_epoch(epoch_key, epochs_key)
  local epoch = redis.call('GET', epoch_key)
  if epoch then return tonumber(epoch), false end
  epoch = redis.call('INCR', epochs_key)
  redis.call('SET', epoch_key, epoch)
  return epoch, true
end
local function mark(version_key, epoch, length)
  redis.call('SET', version_key, string.format('%d:%d', epoch, length))
end
"""

# KEYS: log, epoch, epochs, version; ARGV: position, epoch, change. The change is always kept
# (the replica rebuilds with it when behind). -> {epoch, length} when the replica must rebuild,
# else {epoch, length, the changes others kept since `position`}.
_KEEP = (
    _HELPERS
    + """
local position, mine = tonumber(ARGV[1]), tonumber(ARGV[2])
local before = redis.call('LLEN', KEYS[1])
local epoch, created = ensure_epoch(KEYS[2], KEYS[3])
if created and mine == 0 and position == 0 then mine = epoch end
local length = redis.call('RPUSH', KEYS[1], ARGV[3])
mark(KEYS[4], epoch, length)
if epoch ~= mine or before < position then return {epoch, length} end
return {epoch, length, redis.call('LRANGE', KEYS[1], position, length - 2)}
"""
)

# KEYS: log, epoch; ARGV: position, epoch. -> {epoch} when behind, else {epoch, changes}.
_SINCE = """
local position = tonumber(ARGV[1])
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
if epoch ~= tonumber(ARGV[2]) or redis.call('LLEN', KEYS[1]) < position then return {epoch} end
return {epoch, redis.call('LRANGE', KEYS[1], position, -1)}
"""

# KEYS: log, epoch. -> {epoch, every change}.
_STATE = """
return {tonumber(redis.call('GET', KEYS[2]) or '0'), redis.call('LRANGE', KEYS[1], 0, -1)}
"""

# KEYS: a hash; ARGV: field, floor. -> max(current, floor) + 1, now the current value.
_NEXT = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local floor = tonumber(ARGV[2])
if floor > current then current = floor end
current = current + 1
redis.call('HSET', KEYS[1], ARGV[1], current)
return current
"""

# KEYS: claims, log, epoch, epochs, version; ARGV: scope, CLAIM change. -> 1 for the first
# claimant.
_CLAIM = (
    _HELPERS
    + """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local epoch = ensure_epoch(KEYS[3], KEYS[4])
mark(KEYS[5], epoch, redis.call('RPUSH', KEYS[2], ARGV[2]))
return 1
"""
)

# KEYS: log, epoch, epochs, version; ARGV: position, epoch, changes... -> the new epoch, or 0
# (refused: something was kept since the replica last looked). 1000 changes per RPUSH: Lua's
# unpack has a bounded stack.
_COMPACT = (
    _HELPERS
    + """
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
if epoch == 0 or epoch ~= tonumber(ARGV[2]) then return 0 end
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
for first = 3, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, first, math.min(first + 999, #ARGV)))
end
epoch = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[2], epoch)
mark(KEYS[4], epoch, #ARGV - 2)
return epoch
"""
)

# KEYS: log, counters, claims, epoch, epochs, version. The seq counter stays: seqs only order
# records, and one given before the reset may still arrive after it. -> the new epoch.
_RESET = (
    _HELPERS
    + """
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
local epoch = redis.call('INCR', KEYS[5])
redis.call('SET', KEYS[4], epoch)
mark(KEYS[6], epoch, 0)
return epoch
"""
)

# KEYS: the session's keys..., sessions; ARGV: name.
_DROP = """
for i = 1, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
redis.call('HDEL', KEYS[#KEYS], ARGV[1])
return 1
"""

# KEYS: meta; ARGV: field, value, ... -> {} when it was absent (now written), else its fields.
_META = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  return {}
end
return redis.call('HGETALL', KEYS[1])
"""


def encode(value: Any) -> bytes:
    """orjson; what it refuses (integers wider than 64 bits, lone surrogates) by the standard
    encoder, marked with a leading space: orjson would read such an integer back as a float."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return b" " + json.dumps(value, separators=(",", ":")).encode()


def decode(raw: bytes) -> Any:
    return json.loads(raw) if raw[:1] == b" " else orjson.loads(raw)


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


class _Commands:
    """The scripts, and the plain commands every request sends (`versions`, the journal's)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._local = threading.local()
        self._direct: list[Any] = []  # every thread's connection, to close
        self._lock = threading.Lock()
        self.keep = client.register_script(_KEEP)
        self.since = client.register_script(_SINCE)
        self.state = client.register_script(_STATE)
        self.next = client.register_script(_NEXT)
        self.claim = client.register_script(_CLAIM)
        self.compact = client.register_script(_COMPACT)
        self.reset = client.register_script(_RESET)
        self.drop = client.register_script(_DROP)
        self.meta = client.register_script(_META)

    def _connection(self) -> Any:
        """This thread's own connection: the pool's check-out and check-in and redis-py's
        command path cost more than a round trip (~2 µs in Redis)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pool = self._client.connection_pool
            connection = self._local.connection = pool.connection_class(**pool.connection_kwargs)
            self._local.unread = 0
            with self._lock:
                self._direct.append(connection)
        return connection

    def versions(self, first: bytes, second: bytes) -> tuple[bytes | None, bytes | None]:
        """MGET two keys on this thread's connection (first reading the replies of what was
        sent there without waiting, `send_unanswered`)."""
        ahead = taken(first, second)
        if ahead is not None:
            return ahead  # read by the event loop for this request (redis_ahead.py)
        connection = self._connection()
        try:
            connection.send_packed_command([packed(b"MGET", first, second)])
            self._read_unread(connection)
            found = connection.read_response()
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()  # reconnects on its next use; redis-py retries this one
            self._local.unread = 0
            found = self._client.mget([first, second])
        one, two = found
        return (None if one is None else bytes(one)), (None if two is None else bytes(two))

    def send_unanswered(self, commands: Sequence[bytes], replies: int) -> None:
        """Send packed `commands` on this thread's connection and go on without waiting for
        their `replies`: they are read before the answer to its next command. What this
        connection sent reaches Redis before anything its process sends later, on any
        connection, since Redis serves connections in the order their data arrives."""
        connection = self._connection()
        try:
            if self._local.unread >= UNREAD_LIMIT:  # a thread that sends only these
                self._read_unread(connection)
            connection.send_packed_command(list(commands))
            self._local.unread += replies
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()
            self._local.unread = 0
            raise

    def read_unread(self) -> None:
        """Read the replies this thread's connection has not read yet."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            self._read_unread(connection)

    def _read_unread(self, connection: Any) -> None:
        while self._local.unread:
            self._local.unread -= 1
            # A refusal of a command nobody waits for has no one to tell: the next goes on.
            with contextlib.suppress(redis.ResponseError):
                connection.read_response()

    def close(self) -> None:
        with self._lock:
            for connection in self._direct:
                connection.disconnect()
            self._direct.clear()
        self._client.close()


class RedisBackend:
    """One session's replica's view of its log: how far it has read, under which epoch."""

    def __init__(self, client: redis.Redis, scripts: _Commands, name: str) -> None:
        self.name = name
        self._client = client
        self._scripts = scripts
        base = session_key(name, "")
        self._log, self._epoch_key, self._version = base + "log", base + "epoch", base + "version"
        self._version_key = self._version.encode()
        self._counters, self._seq, self._claims = base + "counters", base + "seq", base + "claims"
        self._epochs = PREFIX + "epochs"
        self._lock = threading.Lock()  # position and epoch move together
        self._position = 0
        self._epoch = 0
        # The session's steering version, read in the same round trip as the log's (see
        # redis_shared.py): every request polls both, at the cost of one.
        self.steering_key = session_key(name, "steering").encode()
        self.steering_version: bytes | None = None

    def keep(self, change: Change) -> Sequence[Change]:
        if change.kind is Kind.RESET:
            keys = [self._log, self._counters, self._claims, self._epoch_key, self._epochs]
            keys.append(self._version)
            with self._lock:
                self._epoch, self._position = int(self._scripts.reset(keys)), 0
            return [change]
        entry = encode(change.as_json())
        with self._lock:
            reply = self._scripts.keep(
                [self._log, self._epoch_key, self._epochs, self._version],
                [self._position, self._epoch, entry],
            )
            if len(reply) == 2:
                raise FellBehind
            epoch, length, others = reply
            self._epoch, self._position = int(epoch), int(length)
        return [*_changes(others), Change.from_json(decode(entry))]

    def since(self) -> Sequence[Change]:
        with self._lock:
            version, self.steering_version = self._scripts.versions(
                self._version_key, self.steering_key
            )
            if version == self._seen():
                return []  # nothing kept since, by anyone
            reply = self._scripts.since([self._log, self._epoch_key], [self._position, self._epoch])
            if len(reply) == 1:
                raise FellBehind
            self._position += len(reply[1])
        return _changes(reply[1])

    def state(self) -> Sequence[Change]:
        with self._lock:
            epoch, entries = self._scripts.state([self._log, self._epoch_key])
            self._epoch, self._position = int(epoch), len(entries)
        return _changes(entries)

    def next_seq(self, floor: int) -> int:
        return int(self._scripts.next([self._seq], ["seq", floor]))

    def next_id(self, resource: str, floor: int) -> int:
        return int(self._scripts.next([self._counters], [resource, floor]))

    def claim(self, resource: str, scope: Mapping[str, str]) -> bool:
        member = encode([resource, sorted(scope.items())])
        entry = encode(Change(Kind.CLAIM, resource, scope=dict(scope)).as_json())
        keys = [self._claims, self._log, self._epoch_key, self._epochs, self._version]
        return bool(self._scripts.claim(keys, [member, entry]))

    def compact(self, changes: Sequence[Change]) -> bool:
        entries = [encode(change.as_json()) for change in changes]
        with self._lock:
            epoch = int(
                self._scripts.compact(
                    [self._log, self._epoch_key, self._epochs, self._version],
                    [self._position, self._epoch, *entries],
                )
            )
            if not epoch:
                return False
            self._epoch, self._position = epoch, len(entries)
        return True

    def kept(self) -> int:
        return int(self._client.llen(self._log))

    def drop_keys(self) -> list[str]:
        kept = [self._log, self._counters, self._claims, self._seq, self._epoch_key, self._version]
        return kept + [session_key(self.name, part) for part in SHARED_PARTS]

    @property
    def client(self) -> redis.Redis:
        return self._client

    def _seen(self) -> bytes | None:
        """The version of the log as this replica last saw it (None: no log, no epoch)."""
        return f"{self._epoch}:{self._position}".encode() if self._epoch else None


def _text(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode()


def _changes(entries: Sequence[bytes]) -> list[Change]:
    return [Change.from_json(decode(entry)) for entry in entries]


def reachable(url: str) -> redis.Redis:
    """A client of the Redis at `url`, which answered a PING; BackendRefused if it does not."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        why = str(error).rstrip(".")
        raise BackendRefused(
            f"cannot use Redis at {shown(url)} (--store): {why}. Start one, e.g. "
            "`redis-server --port 6379 --save ''` (Debian: apt-get install redis-server), or "
            "serve without --store to keep state in memory."
        ) from None
    return client


class RedisBackends:
    """Every session of one mock (or of every worker and host serving it) in one database."""

    def __init__(self, client: redis.Redis, url: str | None = None) -> None:
        self._client = client
        self._scripts = _Commands(client)
        self._sessions = PREFIX + "sessions"
        self._ahead = None if url is None else ReadAhead(url)

    @classmethod
    def connect(cls, url: str, identity: Identity) -> RedisBackends:
        """The database at `url`, marked with `identity` if it holds no mock state yet;
        BackendRefused if it cannot be reached or holds the state of another world."""
        client = reachable(url)
        backends = cls(client, url)
        meta = identity.as_meta()
        written = backends._scripts.meta([PREFIX + "meta"], [v for kv in meta.items() for v in kv])
        if written:
            kept = {
                _text(key): _text(value)
                for key, value in zip(written[::2], written[1::2], strict=True)
            }
            problem = identity.mismatch(kept, f"Redis at {shown(url)} (keys {PREFIX}*)")
            if problem is not None:
                client.close()
                raise BackendRefused(problem)
        return backends

    def open(self, session: str) -> RedisBackend:
        return RedisBackend(self._client, self._scripts, session)

    def sessions(self) -> dict[str, float]:
        kept = self._client.hgetall(self._sessions)
        return {_text(name): float(used) for name, used in kept.items()}

    def touch(self, session: str, when: float) -> None:
        self._client.hset(self._sessions, session, repr(when))

    def drop(self, session: str) -> None:
        self.wait_kept()  # this thread's journal entries of it first, or they would outlive it
        keys = [*self.open(session).drop_keys(), self._sessions]
        self._scripts.drop(keys, [session])

    def steering(self, backend: Backend) -> RedisSteering:
        from mock_server.store.redis_shared import RedisSteering

        assert isinstance(backend, RedisBackend)
        return RedisSteering(backend)

    def journal(self, session: str) -> RedisJournal:
        from mock_server.store.redis_shared import RedisJournal

        return RedisJournal(self._client, self._scripts, session)

    def settled(self) -> None:
        return None  # writes are sent before the answer (see _Commands.send_unanswered)

    def read_ahead(self, session: str) -> Awaitable[None] | None:
        """The session's log and steering versions, read without blocking the event loop
        (redis_ahead.py); `since()` takes them instead of asking Redis itself."""
        if self._ahead is None:
            return None
        keys = (session_key(session, "version").encode(), session_key(session, "steering").encode())
        return self._ahead.read(keys)

    def wait_kept(self) -> None:
        """Block until what this thread sent without waiting is in Redis."""
        self._scripts.read_unread()

    def close(self) -> None:
        self._scripts.close()
