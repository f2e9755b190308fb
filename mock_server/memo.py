"""A small least-recently-used cache, for answers that are pure functions of their key."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most `size` entries and, with a `weigh`, at most `max_bytes` of them in all.

    The least recently used entry goes first. A count alone does not bound memory when an
    entry can be a whole response body: `weigh(key, value)` says what an entry costs (bytes,
    or any unit `max_bytes` is in), and an entry heavier than the whole budget is not kept.
    """

    def __init__(
        self,
        size: int,
        *,
        max_bytes: int | None = None,
        weigh: Callable[[K, V], int] | None = None,
    ) -> None:
        if (max_bytes is None) != (weigh is None):
            raise ValueError("max_bytes and weigh go together")
        self._size = size
        self._max_bytes = max_bytes
        self._weigh = weigh
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V) -> None:
        weight = 0 if self._weigh is None else self._weigh(key, value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if self._max_bytes is not None and weight > self._max_bytes:
                return
            self._items[key] = (value, weight)
            self._bytes += weight
            while len(self._items) > self._size or (
                self._max_bytes is not None and self._bytes > self._max_bytes
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)

    @property
    def weight(self) -> int:
        """What the entries weigh in all (0 without a `weigh`)."""
        return self._bytes


def text_weight(key: object, value: object) -> int:
    """An entry's weight as the length of the bytes and strings in its key and value.

    Cheap enough to run on every put; a value of another kind weighs nothing, so callers
    caching parsed structures pass a weigher of their own (e.g. `len(orjson.dumps(value))`).
    """
    return sum(_text_length(part) for part in (key, value))


def _text_length(part: object) -> int:
    if isinstance(part, bytes | str):
        return len(part)
    if isinstance(part, tuple):
        return sum(len(p) for p in part if isinstance(p, bytes | str))
    return 0
