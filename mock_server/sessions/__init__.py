"""Isolated sessions: which one a request is in (naming.py), the book of them (book.py), and the
store the handlers see, routed to the current one (current.py)."""

from __future__ import annotations

from mock_server.sessions.book import Session, SessionBook, TooManySessions
from mock_server.sessions.current import CurrentStore
from mock_server.sessions.naming import (
    DEFAULT_SESSION,
    SESSION_COOKIE,
    SESSION_HEADER,
    SESSION_QUERY,
    SessionProblem,
    session_of,
)

__all__ = [
    "DEFAULT_SESSION",
    "SESSION_COOKIE",
    "SESSION_HEADER",
    "SESSION_QUERY",
    "CurrentStore",
    "Session",
    "SessionBook",
    "SessionProblem",
    "TooManySessions",
    "session_of",
]
