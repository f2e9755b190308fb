"""Writes handed to a thread that keeps them, and the answers waiting until they are kept.

SQLite syncs its WAL on a thread of its own, once for every write committed meanwhile
(sqlite_commits.py). `Progress` counts the writes made and those kept, wakes the keeping
thread, and hands the event loop a future for "everything made so far is kept" (`settled`),
which the edge awaits before an answer goes out (edge/durable.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

_Waiter = tuple[int, asyncio.AbstractEventLoop, "asyncio.Future[None]"]


def _resolve(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class Progress:
    def __init__(self) -> None:
        self.wake = threading.Condition(threading.Lock())
        self.made = 0
        self.kept = 0
        self.closed = False
        self.error: BaseException | None = None  # once set, every wait ends with it
        self._waiters: list[_Waiter] = []

    def made_one(self) -> None:
        """Count a write made, once the keeping thread can find it."""
        with self.wake:
            self.made += 1
            self.wake.notify()

    def next_target(self) -> int | None:
        """For the keeping thread: wait until something is made and not kept; how far to keep
        (None once closed). Called with `wake` held."""
        while self.kept >= self.made and not self.closed:
            self.wake.wait()
        return None if self.closed else self.made

    def kept_up_to(self, target: int) -> None:
        """Everything made up to `target` is kept: resolve whoever waited for it."""
        with self.wake:
            self.kept = max(self.kept, target)
            ready = [waiter for waiter in self._waiters if waiter[0] <= self.kept]
            self._waiters = [waiter for waiter in self._waiters if waiter[0] > self.kept]
            self.wake.notify_all()
            error = self.error
        for _, loop, future in ready:
            with contextlib.suppress(RuntimeError):  # a loop closed meanwhile
                loop.call_soon_threadsafe(_resolve, future, error)

    def fail(self, error: BaseException) -> None:
        """What is made and not yet kept never will be: its waits, and every later one, end
        with `error` (resolved by the `kept_up_to` that follows)."""
        with self.wake:
            self.error = error

    def settled(self) -> asyncio.Future[None] | None:
        """None when everything made so far is kept; else a future of the running loop, done
        once it is (failed with `error` if it never will be)."""
        with self.wake:
            if self.kept >= self.made and self.error is None:
                return None
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            if self.error is not None:
                future.set_exception(self.error)
            else:
                self._waiters.append((self.made, loop, future))
            return future

    def wait_kept(self, timeout: float = 30.0) -> None:
        """Block until everything made so far is kept (for callers with no loop)."""
        with self.wake:
            target = self.made
            self.wake.wait_for(lambda: self.kept >= target or self.closed, timeout)

    def close(self) -> None:
        with self.wake:
            self.closed = True
            self.wake.notify_all()


def keeper(name: str, progress: Progress, keep: Callable[[int], None]) -> threading.Thread:
    """A daemon thread calling `keep(target)` whenever writes are made and not yet kept,
    marking them kept after it (even when `keep` fails: an answer must not wait forever)."""

    def run() -> None:
        while True:
            with progress.wake:
                target = progress.next_target()
            if target is None:
                return
            try:
                keep(target)
            finally:
                progress.kept_up_to(target)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
