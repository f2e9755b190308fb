"""BoundedCache: bounded in entries, and in bytes when it is given a weigher."""

from __future__ import annotations

import pytest

from mock_server.memo import BoundedCache, text_weight


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_a_byte_budget_bounds_what_the_entries_weigh() -> None:
    cache: BoundedCache[str, bytes] = BoundedCache(1000, max_bytes=10_000, weigh=text_weight)
    for n in range(100):
        cache.put(f"k{n:03}", b"x" * 1000)
    assert cache.weight <= 10_000
    assert len(cache) == 9  # 1,004 each: nine fit
    assert cache.get("k099") == b"x" * 1000
    assert cache.get("k000") is None


def test_replacing_an_entry_counts_only_its_new_weight() -> None:
    cache: BoundedCache[str, bytes] = BoundedCache(10, max_bytes=100, weigh=text_weight)
    for _ in range(50):
        cache.put("k", b"x" * 50)
    assert (len(cache), cache.weight) == (1, 51)


def test_an_entry_heavier_than_the_budget_is_not_kept() -> None:
    cache: BoundedCache[str, bytes] = BoundedCache(10, max_bytes=100, weigh=text_weight)
    cache.put("small", b"x")
    cache.put("huge", b"x" * 1000)
    assert cache.get("huge") is None
    assert cache.get("small") == b"x"


def test_the_weight_of_a_key_counts_its_text() -> None:
    assert text_weight(("op", "200", b"body"), b"12345") == len("op200body12345")
    assert text_weight((1, b"abc"), True) == 3


def test_a_budget_needs_a_weigher() -> None:
    with pytest.raises(ValueError):
        BoundedCache(10, max_bytes=100)
