"""Keep the event loop free: requests known to be slow are answered on a worker thread.

The engine is synchronous and answers most requests in well under a millisecond, where a hop
to a thread costs ~60 µs: those stay on the loop. A few take tens of milliseconds (the first
list of a type, a search over thousands of created records); answered on the loop, they would
stall every other client for that long. So a request (operation, path and query) is answered
on the loop only once it has been seen to be fast: the first time, and whenever it last took
more than `SLOW_SECONDS`, it goes to the worker, which measures it again.

The worker and the loop answer at the same time. The engine's shared state is the store (one
lock), bounded caches (each locked; a race computes a pure value twice) and the synthesizer,
whose Faker is one per thread, so that a seeded run stays deterministic. The interpreter hands
the loop its turn every switch interval (server.py sets 1 ms), so a slow answer on the worker
costs the others a few milliseconds, not the whole answer.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from mock_server.memo import BoundedCache, text_weight
from mock_server.messages import MockRequest, MockResponse

SLOW_SECONDS = 0.002
# Requests known to be fast: a long run of distinct paths stays within this.
FAST_ENTRIES, FAST_BYTES = 8192, 2 << 20

Handle = Callable[[str, MockRequest], MockResponse]
_Key = tuple[str, str, str]


def _key(operation_id: str, request: MockRequest) -> _Key:
    return operation_id, request.path, "&".join(f"{k}={v}" for k, v in request.query)


class EngineRunner:
    def __init__(self, handle: Handle) -> None:
        self._handle = handle
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="ibl-mock-engine")
        self._fast: BoundedCache[_Key, bool] = BoundedCache(
            FAST_ENTRIES, max_bytes=FAST_BYTES, weigh=text_weight
        )

    async def handle(self, operation_id: str, request: MockRequest) -> MockResponse:
        key = _key(operation_id, request)
        if self._fast.get(key):
            started = time.perf_counter()
            response = self._handle(operation_id, request)
            if time.perf_counter() - started > SLOW_SECONDS:
                self._fast.put(key, False)
            return response
        loop = asyncio.get_running_loop()
        # In the request's context: what was read ahead for it (store/redis_ahead.py).
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._worker, context.run, self._measured, key, request)

    def _measured(self, key: _Key, request: MockRequest) -> MockResponse:
        started = time.perf_counter()
        response = self._handle(key[0], request)
        self._fast.put(key, time.perf_counter() - started <= SLOW_SECONDS)
        return response

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
