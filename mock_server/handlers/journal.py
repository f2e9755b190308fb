"""The recent requests, for `GET /__mock__/requests`: what came in and what the mock made of it."""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

from mock_server.messages import MockRequest

JOURNAL_SIZE = 200


class Journal:
    """A bounded, thread-safe log of requests, newest first when read."""

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(
        self,
        request: MockRequest,
        operation_id: str | None,
        status: int,
        problems: list[str],
    ) -> None:
        entry = {
            "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "method": request.method.upper(),
            "path": request.path,
            "query": [list(pair) for pair in request.query],
            "operation": operation_id,
            "status": status,
            "problems": problems,
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(reversed(self._entries))
