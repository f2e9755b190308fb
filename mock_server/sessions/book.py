"""The sessions of one mock: isolated worlds, each a copy-on-write view of the seeded one.

A session has its own store (a `LayeredStore` over the shared seeded records), journal,
overrides and chaos settings. It comes into being on the first request naming it and is dropped
by `DELETE /__mock__/sessions/NAME` or after `--session-ttl` seconds unused; the default session
(requests naming none) is never dropped. With a backend (`--data`, `--store redis://`) the
sessions and their records are kept there, so a restart, or another worker, finds them.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mock_server.handlers.journal import JOURNAL_SIZE, Journal, SharedJournal
from mock_server.messages import MockRequest
from mock_server.sessions.naming import DEFAULT_SESSION, SessionProblem, session_of
from mock_server.steering.chaos import Chaos
from mock_server.steering.overrides import OverrideBook
from mock_server.steering.shared import SharedChaos, SharedOverrideBook, shared_steering, sync
from mock_server.store import Backends, InMemoryStore, LayeredStore
from mock_server.store.shared import SteeringKeep

# More sessions than a CI run's parallel suites ever hold at once; each costs little until it
# writes, but the number is bounded all the same.
SESSION_LIMIT = 1000
# A session's last use is noted in the backend at most this often (seconds).
TOUCH_EVERY = 5.0
SWEEP_EVERY = 1.0
# With every place taken, the least recently used session idle this long makes room.
EVICTABLE_AFTER = 60.0
# A named session's journal: smaller than the default one's, since there may be a thousand.
SESSION_JOURNAL_SIZE = 100
SESSION_JOURNAL_CHARS = 256 * 1024

_current: contextvars.ContextVar[Session] = contextvars.ContextVar("ibl_mock_session")


@dataclass(eq=False)
class Session:
    name: str
    store: LayeredStore
    journal: Journal
    overrides: OverrideBook
    chaos: Chaos
    # Where its overrides and chaos are kept for every worker (`--store redis://`), if shared.
    steering: SteeringKeep | None = None
    last_used: float = field(default_factory=time.time)
    _noted: float = 0.0  # when the backend last heard of a use


class TooManySessions(SessionProblem):
    status = 429

    def __init__(self, limit: int) -> None:
        ValueError.__init__(self, limit)
        self.detail = {
            "detail": f"Request was throttled: {limit} sessions are open. "
            "Drop one with DELETE /__mock__/sessions/NAME."
        }


class SessionBook:
    def __init__(
        self,
        seeded: InMemoryStore,
        *,
        overrides: OverrideBook,
        chaos: Callable[[], Chaos],
        backends: Backends | None = None,
        ttl: float | None = None,
        limit: int = SESSION_LIMIT,
    ) -> None:
        self.seeded = seeded
        self.ttl = ttl
        self.limit = limit
        self.backends = backends
        self._overrides = overrides
        self._chaos = chaos
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._swept = 0.0
        self.default = self._open(DEFAULT_SESSION)
        if backends is not None:
            for name, used in backends.sessions().items():
                if name != DEFAULT_SESSION:
                    session = self._open(name)
                    session.last_used = session._noted = used

    def _open(self, name: str) -> Session:
        size, limits = (
            (JOURNAL_SIZE, {})
            if name == DEFAULT_SESSION
            else (SESSION_JOURNAL_SIZE, {"max_chars": SESSION_JOURNAL_CHARS})
        )
        if self.backends is None:
            store = LayeredStore(self.seeded)
            session = Session(
                name, store, Journal(size, **limits), self._overrides.empty_copy(), self._chaos()
            )
        else:
            backend = self.backends.open(name)
            store = LayeredStore(self.seeded, backend)
            kept_journal = self.backends.journal(name)
            journal = (
                Journal(size, **limits)
                if kept_journal is None
                else SharedJournal(kept_journal, size, **limits)
            )
            steering = self.backends.steering(backend)
            if steering is None:
                session = Session(name, store, journal, self._overrides.empty_copy(), self._chaos())
            else:
                book, chaos = shared_steering(self._overrides, self._chaos(), steering)
                session = Session(name, store, journal, book, chaos, steering)
        self._sessions[name] = session
        return session

    def enter(self, name: str) -> Session:
        """The named session, made on first use and brought up to date; noted as used."""
        now = time.time()
        with self._lock:
            if now - self._swept >= SWEEP_EVERY:
                self._sweep(now, keep=name)
            session = self._sessions.get(name)
            if session is None:
                if len(self._sessions) >= self.limit and not self._evict(now):
                    raise TooManySessions(self.limit)
                session = self._open(name)
            session.last_used = now
            note = self.backends is not None and now - session._noted >= TOUCH_EVERY
            if note:
                session._noted = now
        if note and self.backends is not None:
            self.backends.touch(name, now)
        session.store.refresh()  # polls the kept steering's version too
        if session.steering is not None:
            assert isinstance(session.overrides, SharedOverrideBook)
            assert isinstance(session.chaos, SharedChaos)
            sync(session.overrides, session.chaos, session.steering)
        return session

    @contextmanager
    def entered(self, name: str) -> Iterator[Session]:
        """Within it, `current()` (and so the engine's store, journal, overrides) is `name`'s."""
        token = _current.set(self.enter(name))
        try:
            yield _current.get()
        finally:
            _current.reset(token)

    def current(self) -> Session:
        return _current.get(self.default)

    def find(self, name: str) -> Session | None:
        with self._lock:
            return self._sessions.get(name)

    def drop(self, name: str) -> bool:
        """Forget a session and all it holds; False if there is none of that name."""
        if name == DEFAULT_SESSION:
            raise ValueError("the default session is never dropped")
        with self._lock:
            session = self._sessions.pop(name, None)
        if self.backends is not None:
            self.backends.drop(name)
        return session is not None

    def listing(self) -> list[Session]:
        """Every session, the most recently used first; with a backend, every session it
        keeps (another worker's too)."""
        if self.backends is not None:
            self._follow(self.backends.sessions())
        with self._lock:
            sessions = list(self._sessions.values())
        return sorted(sessions, key=lambda s: (-s.last_used, s.name))

    def _follow(self, kept: dict[str, float]) -> None:
        """Hold the sessions the backend keeps: open those another worker made, forget those
        another dropped (one this process noted in the backend, no longer there)."""
        with self._lock:
            for name, session in list(self._sessions.items()):
                if name != DEFAULT_SESSION and name not in kept and session._noted:
                    del self._sessions[name]
            for name, used in kept.items():
                if name not in self._sessions and len(self._sessions) < self.limit:
                    session = self._open(name)
                    session.last_used = session._noted = used
        for session in list(self._sessions.values()):
            session.store.refresh()

    def _evict(self, now: float) -> bool:
        """Drop the least recently used session, if it has been idle a while."""
        named = [s for s in self._sessions.values() if s.name != DEFAULT_SESSION]
        oldest = min(named, key=lambda s: s.last_used, default=None)
        if oldest is None or now - oldest.last_used < EVICTABLE_AFTER:
            return False
        del self._sessions[oldest.name]
        if self.backends is not None:
            self.backends.drop(oldest.name)
        return True

    def _sweep(self, now: float, *, keep: str) -> None:
        self._swept = now
        if self.ttl is None:
            return
        idle = [
            name
            for name, session in self._sessions.items()
            if name not in (DEFAULT_SESSION, keep) and now - session.last_used > self.ttl
        ]
        if idle and self.backends is not None:
            # Another worker may have used it since: its uses are noted in the backend.
            kept = self.backends.sessions()
            for name in list(idle):
                used = kept.get(name, 0.0)
                if now - used <= self.ttl:
                    self._sessions[name].last_used = used
                    idle.remove(name)
        for name in idle:
            del self._sessions[name]
            if self.backends is not None:
                self.backends.drop(name)

    def record(
        self, request: MockRequest, operation_id: str | None, status: int, problems: list[str]
    ) -> None:
        """Journal a request answered outside the engine (a refusal at the edge, an unrouted
        path) in the session it names, if that session exists; else in the default one."""
        try:
            name, _ = session_of(request.headers, request.query)
        except SessionProblem:
            name = DEFAULT_SESSION
        session = self.find(name) or self.default
        session.journal.record(request, operation_id, status, problems)
