"""The in-memory store: scope visibility, ids, tombstones, snapshots, concurrency."""

from __future__ import annotations

import threading

import pytest

from mock_server.store import InMemoryStore


def test_a_scope_sees_records_created_in_it_and_below_it() -> None:
    store = InMemoryStore()
    store.add("Mentor", {"tenant": "acme", "user": "bob"}, {"id": 1})
    store.add("Mentor", {"tenant": "acme"}, {"id": 2})
    store.add("Mentor", {"tenant": "other"}, {"id": 3})
    assert [r.data["id"] for r in store.find("Mentor", {"tenant": "acme"})] == [1, 2]
    assert [r.data["id"] for r in store.find("Mentor", {"tenant": "acme", "user": "bob"})] == [1]
    assert [r.data["id"] for r in store.find("Mentor", {"tenant": "acme", "user": "eve"})] == []
    assert store.get("Mentor", {"tenant": "acme"}, "id", "3") is None
    assert store.get("Mentor", {"tenant": "other"}, "id", "3") is not None


def test_ids_grow_past_every_id_held() -> None:
    store = InMemoryStore()
    store.add("Prompt", {}, {"id": 41})
    assert store.next_id("Prompt") == 42
    assert store.next_id("Prompt") == 43
    assert store.next_id("Course") == 1


def test_a_removed_record_is_gone_and_remembered() -> None:
    store = InMemoryStore()
    record = store.add("Prompt", {"tenant": "acme"}, {"id": 7, "unique_id": "u-7"})
    store.remove(record)
    assert store.find("Prompt", {"tenant": "acme"}) == []
    assert store.is_deleted("Prompt", "id", "7")
    assert store.is_deleted("Prompt", "unique_id", "u-7")
    assert not store.is_deleted("Prompt", "id", "8")


def test_get_by_key_follows_adds_removals_changed_keys_and_restores() -> None:
    store = InMemoryStore()
    first = store.add("Mentor", {"tenant": "acme"}, {"id": 1, "slug": "ada"})
    assert store.get("Mentor", {}, "slug", "ada") is first  # the slug index is built here
    saved = store.snapshot()
    second = store.add("Mentor", {"tenant": "acme"}, {"id": 2, "slug": "bo"})
    assert store.get("Mentor", {}, "slug", "bo") is second
    first.data["slug"] = "cy"  # a PATCH changes the record in place
    assert store.get("Mentor", {}, "slug", "ada") is None
    assert store.get("Mentor", {}, "slug", "cy") is first
    store.remove(second)
    assert store.get("Mentor", {}, "slug", "bo") is None
    store.restore(saved)
    restored = store.get("Mentor", {}, "slug", "ada")
    assert restored is not None and restored.data["id"] == 1
    assert store.get("Mentor", {}, "slug", "bo") is None


def test_restore_brings_back_the_snapshot_and_forgets_later_changes() -> None:
    store = InMemoryStore()
    kept = store.add("Prompt", {"tenant": "acme"}, {"id": 1, "title": "seeded"})
    snapshot = store.snapshot()
    kept.data["title"] = "edited"
    store.remove(kept)
    store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt")})
    store.restore(snapshot)
    assert [r.data for r in store.find("Prompt", {})] == [{"id": 1, "title": "seeded"}]
    assert not store.is_deleted("Prompt", "id", "1")
    assert store.next_id("Prompt") == 2
    store.restore(snapshot)  # a snapshot can be restored more than once
    assert store.counts() == {"Prompt": 1}


def test_restore_refuses_foreign_snapshots() -> None:
    with pytest.raises(TypeError):
        InMemoryStore().restore(object())


def test_concurrent_id_allocation_never_repeats() -> None:
    store = InMemoryStore()
    seen: list[int] = []
    lock = threading.Lock()

    def allocate() -> None:
        for _ in range(500):
            identifier = store.next_id("Mentor")
            with lock:
                seen.append(identifier)

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 2001))
