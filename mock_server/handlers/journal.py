"""The recent requests, for `GET /__mock__/requests`: what came in and what the mock made of it.

Bounded in entries and in bytes: a path, a query or a problem can be as long as a client makes
it (a malformed body can end up in a problem's text), so each entry keeps at most
`FIELD_CHARS` of each, and the oldest entries go once the whole journal passes `JOURNAL_CHARS`.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

from mock_server.messages import MockRequest

JOURNAL_SIZE = 200
FIELD_CHARS = 2048  # path, query, problems: each, per entry
JOURNAL_CHARS = 2 * 1024 * 1024
MAX_PROBLEMS = 20
ELLIPSIS = "…"


def clip(text: str, limit: int = FIELD_CHARS) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def _clip_all(texts: list[str], limit: int) -> list[str]:
    """As many of `texts` as fit in `limit` characters together, the last one clipped."""
    kept: list[str] = []
    for text in texts:
        if limit <= 0:
            break
        kept.append(clip(text, limit))
        limit -= len(kept[-1])
    return kept


def _clip_query(query: tuple[tuple[str, str], ...], limit: int) -> list[list[str]]:
    kept: list[list[str]] = []
    for name, value in query:
        if limit <= 0:
            break
        pair = _clip_all([name, value], limit)
        kept.append(pair if len(pair) == 2 else [pair[0], ""])
        limit -= sum(map(len, pair))
    return kept


class Journal:
    """A bounded, thread-safe log of requests, newest first when read."""

    def __init__(
        self,
        size: int = JOURNAL_SIZE,
        *,
        max_chars: int = JOURNAL_CHARS,
        field_chars: int = FIELD_CHARS,
    ) -> None:
        self._entries: deque[tuple[int, dict[str, Any]]] = deque(maxlen=size)
        self._chars = 0
        self._max_chars = max_chars
        self._field_chars = field_chars
        self._lock = threading.Lock()

    def record(
        self,
        request: MockRequest,
        operation_id: str | None,
        status: int,
        problems: list[str],
    ) -> None:
        limit = self._field_chars
        path = clip(request.path, limit)
        query = _clip_query(request.query, limit)
        kept = _clip_all(problems[:MAX_PROBLEMS], limit)
        entry = {
            "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "method": clip(request.method.upper(), 16),
            "path": path,
            "query": query,
            "operation": operation_id,
            "status": status,
            "problems": kept,
        }
        # What the entry costs, near enough: its text plus a little per field.
        chars = 200 + len(path) + sum(len(k) + len(v) + 8 for k, v in query)
        chars += sum(len(problem) + 4 for problem in kept) + len(operation_id or "")
        with self._lock:
            if len(self._entries) == self._entries.maxlen:
                self._chars -= self._entries[0][0]
            self._entries.append((chars, entry))
            self._chars += chars
            while self._chars > self._max_chars and len(self._entries) > 1:
                self._chars -= self._entries.popleft()[0]

    @property
    def chars(self) -> int:
        """The journal's size, in characters of text it holds (about its JSON's length)."""
        with self._lock:
            return self._chars

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [entry for _, entry in reversed(self._entries)]
