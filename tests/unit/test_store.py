"""The in-memory store: scope visibility, ids, tombstones, snapshots, concurrency."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import pytest

from mock_server.store import InMemoryStore, Record, Scope


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


def test_a_removed_record_is_gone_and_its_id_is_never_given_again() -> None:
    store = InMemoryStore()
    record = store.add("Prompt", {"tenant": "acme"}, {"id": 7, "unique_id": "u-7"})
    assert store.claim_seed("Prompt", {"tenant": "acme"})
    store.remove(record)
    assert store.find("Prompt", {"tenant": "acme"}) == []
    assert store.get("Prompt", {}, "unique_id", "u-7") is None
    assert store.next_id("Prompt") == 8
    assert not store.claim_seed("Prompt", {"tenant": "acme"})  # the scope is not seeded again


def test_removals_keep_nothing_of_the_removed_records() -> None:
    """A long run creates and deletes without end: the store's size follows what it holds."""
    store = InMemoryStore()
    store.add("Prompt", {"tenant": "acme"}, {"id": 1, "slug": "kept"})
    store.get("Prompt", {}, "slug", "kept")  # the slug index is kept up from here
    before = store.dump()
    for _ in range(500):
        made = store.add(
            "Prompt", {"tenant": "acme", "user": "bo"}, {"id": store.next_id("Prompt")}
        )
        store.update(made, {"slug": f"s{made.data['id']}"})
        store.remove(made)
    after = store.dump()
    assert after["records"] == before["records"] and after["seeded"] == before["seeded"]
    kind = store._kinds["Prompt"]
    assert len(kind.held) == 1 and len(kind.buckets) == 1 and len(kind.keyed["slug"]) == 1


def test_get_by_key_follows_adds_removals_changed_keys_and_restores() -> None:
    store = InMemoryStore()
    first = store.add("Mentor", {"tenant": "acme"}, {"id": 1, "slug": "ada"})
    assert store.get("Mentor", {}, "slug", "ada") is first  # the slug index is built here
    saved = store.snapshot()
    second = store.add("Mentor", {"tenant": "acme"}, {"id": 2, "slug": "bo"})
    assert store.get("Mentor", {}, "slug", "bo") is second
    store.update(first, {"slug": "cy"})  # a PATCH renames the record
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
    assert store.next_id("Prompt") == 2
    store.restore(snapshot)  # a snapshot can be restored more than once
    assert store.counts() == {"Prompt": 1}


def test_updates_after_a_restore_leave_the_snapshot_as_it_was() -> None:
    store = InMemoryStore()
    store.add("Project", {}, {"id": 1, "mentors": [4, 5], "mentor_count": 2})
    snapshot = store.snapshot()
    store.restore(snapshot)
    (restored,) = store.find("Project", {})
    store.update(restored, {"mentors": [4], "mentor_count": 1})
    store.restore(snapshot)
    assert [r.data for r in store.find("Project", {})] == [
        {"id": 1, "mentors": [4, 5], "mentor_count": 2}
    ]


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


# Scope visibility and order through the buckets


def ids_of(records: list[Record]) -> list[Any]:
    return [r.data["id"] for r in records]


def test_nested_sibling_and_empty_scopes_see_what_contains_them() -> None:
    store = InMemoryStore()
    store.add("Mentor", {}, {"id": 1})
    store.add("Mentor", {"tenant": "acme"}, {"id": 2})
    store.add("Mentor", {"tenant": "acme", "user": "bob"}, {"id": 3})
    store.add("Mentor", {"tenant": "acme", "user": "eve"}, {"id": 4})
    store.add("Mentor", {"tenant": "acme", "user": "bob", "course": "c1"}, {"id": 5})
    store.add("Mentor", {"tenant": "other", "user": "bob"}, {"id": 6})
    store.add("Prompt", {"tenant": "acme"}, {"id": 7})
    assert ids_of(store.find("Mentor", {})) == [1, 2, 3, 4, 5, 6]
    assert ids_of(store.find("Mentor", {"tenant": "acme"})) == [2, 3, 4, 5]
    assert ids_of(store.find("Mentor", {"tenant": "acme", "user": "bob"})) == [3, 5]
    assert ids_of(store.find("Mentor", {"tenant": "acme", "user": "eve"})) == [4]
    assert ids_of(store.find("Mentor", {"user": "bob"})) == [3, 5, 6]  # any tenant's bob
    assert ids_of(store.find("Mentor", {"tenant": "acme", "course": "c1"})) == [5]
    assert store.find("Mentor", {"tenant": "acme", "user": "nobody"}) == []
    assert store.find("Mentor", {"tenant": "other", "user": "eve"}) == []
    assert store.find("Mentor", {"tenant": ""}) == []
    assert store.find("Course", {}) == []
    assert ids_of(store.find("Prompt", {})) == [7]


def test_a_list_is_oldest_first_across_scopes() -> None:
    store = InMemoryStore()
    scopes = [{"tenant": "acme", "user": u} for u in ("ann", "bob", "cy")] + [{"tenant": "acme"}]
    for n in range(40):
        store.add("Mentor", scopes[(n * 7) % len(scopes)], {"id": n})
    assert ids_of(store.find("Mentor", {"tenant": "acme"})) == list(range(40))
    assert ids_of(store.find("Mentor", {})) == list(range(40))


def test_find_and_get_agree_with_visible_from_through_adds_updates_and_removals() -> None:
    rng = random.Random(7)
    store = InMemoryStore()
    held: list[Record] = []

    def some_scope() -> dict[str, str]:
        names = [n for n in ("tenant", "user", "course") if rng.random() < 0.6]
        return {n: rng.choice("ab") for n in names}

    for step in range(600):
        move = rng.random()
        if move < 0.6 or not held:
            held.append(store.add("Mentor", some_scope(), {"id": step, "slug": rng.choice("xyz")}))
        elif move < 0.8:
            store.remove(held.pop(rng.randrange(len(held))))
        else:
            store.update(rng.choice(held), {"slug": rng.choice("xyz")})
        query = some_scope()
        expected = [r for r in held if r.visible_from(query)]
        found = store.find("Mentor", query)
        assert len(found) == len(expected)
        assert all(a is b for a, b in zip(found, expected, strict=True))
        slug = rng.choice("xyz")
        first = next((r for r in expected if r.data["slug"] == slug), None)
        assert store.get("Mentor", query, "slug", slug) is first


# Identity, not equality


def test_removing_one_of_two_equal_records_removes_that_one() -> None:
    store = InMemoryStore()
    first = store.add("Tag", {"tenant": "acme"}, {"label": "same"})
    second = store.add("Tag", {"tenant": "acme"}, {"label": "same"})
    assert first == second  # equal data ...
    store.remove(second)  # ... but two records
    [left] = store.find("Tag", {"tenant": "acme"})
    assert left is first
    store.remove(second)  # already gone: nothing happens
    store.remove(Record("Tag", {"tenant": "acme"}, {"label": "same"}))  # not held: nor here
    assert store.find("Tag", {})[0] is first
    store.remove(first)
    assert store.find("Tag", {}) == []
    assert store.counts() == {}


def test_a_record_from_before_a_restore_is_not_the_restored_one() -> None:
    store = InMemoryStore()
    stale = store.add("Prompt", {"tenant": "acme"}, {"id": 1})
    saved = store.snapshot()
    store.restore(saved)
    store.remove(stale)  # the copy the store now holds is another object
    assert ids_of(store.find("Prompt", {"tenant": "acme"})) == [1]


# Updates keep the key index trustworthy


def test_update_reindexes_the_record() -> None:
    store = InMemoryStore()
    record = store.add("Mentor", {"tenant": "acme"}, {"id": 1, "slug": "ada"})
    other = store.add("Mentor", {"tenant": "acme"}, {"id": 2, "slug": "bo"})
    assert store.get("Mentor", {"tenant": "acme"}, "slug", "ada") is record
    assert store.get("Mentor", {"tenant": "acme"}, "id", "1") is record
    store.update(record, {"slug": "cy", "title": "renamed"})
    assert record.data == {"id": 1, "slug": "cy", "title": "renamed"}
    assert store.get("Mentor", {"tenant": "acme"}, "slug", "ada") is None  # the old key misses
    assert store.get("Mentor", {"tenant": "acme"}, "slug", "cy") is record  # the new one hits
    assert store.get("Mentor", {"tenant": "acme"}, "id", "1") is record
    assert store.get("Mentor", {"tenant": "acme"}, "slug", "bo") is other
    store.update(record, {"id": 50})  # a written id is an id held
    assert store.get("Mentor", {}, "id", "1") is None
    assert store.get("Mentor", {}, "id", "50") is record
    assert store.next_id("Mentor") == 51
    store.remove(record)
    assert store.get("Mentor", {}, "slug", "cy") is None


def test_get_answers_the_oldest_visible_record_with_the_key() -> None:
    store = InMemoryStore()
    acme = store.add("Mentor", {"tenant": "acme"}, {"slug": "ada"})
    other = store.add("Mentor", {"tenant": "other"}, {"slug": "ada"})
    later = store.add("Mentor", {"tenant": "acme"}, {"slug": "bo"})
    store.update(later, {"slug": "ada"})  # filed under "ada" after `acme`, but it is newer
    assert store.get("Mentor", {}, "slug", "ada") is acme
    assert store.get("Mentor", {"tenant": "other"}, "slug", "ada") is other
    assert store.get("Mentor", {"tenant": "acme"}, "slug", "missing") is None
    assert store.get("Mentor", {}, "title", "None") is None  # no such field: no match


# Dumps and snapshots


def build() -> InMemoryStore:
    store = InMemoryStore()
    for n in range(1, 13):
        scope = {"tenant": "acme", "user": f"u{n % 3}"} if n % 2 else {"tenant": "zed"}
        store.add("Mentor" if n % 4 else "Prompt", scope, {"id": n, "slug": f"s{n}"})
    store.remove(store.find("Mentor", {"tenant": "zed"})[0])
    store.claim_seed("Mentor", {"tenant": "acme"})
    return store


def test_dump_and_load_round_trip_deterministically() -> None:
    dumped = build().dump()
    text = json.dumps(dumped)
    assert json.dumps(build().dump()) == text  # same content, same JSON
    loaded = InMemoryStore()
    loaded.load(json.loads(text))
    assert json.dumps(loaded.dump()) == text
    original = build()
    for scope in ({}, {"tenant": "acme"}, {"tenant": "acme", "user": "u1"}, {"tenant": "zed"}):
        for resource in ("Mentor", "Prompt"):
            assert [r.data for r in loaded.find(resource, scope)] == [
                r.data for r in original.find(resource, scope)
            ]
    assert loaded.counts() == original.counts()
    assert loaded.get("Mentor", {}, "id", "2") is None  # removed before the dump
    assert not loaded.claim_seed("Mentor", {"tenant": "acme"})
    record = loaded.get("Mentor", {"tenant": "acme"}, "slug", "s3")
    assert record is not None
    loaded.remove(record)
    assert loaded.get("Mentor", {}, "slug", "s3") is None
    assert loaded.next_id("Mentor") == 12
    newest = loaded.add("Mentor", {"tenant": "acme"}, {"id": 12})
    assert loaded.find("Mentor", {"tenant": "acme"})[-1] is newest


def test_snapshot_and_restore_round_trip() -> None:
    store = build()
    before = json.dumps(store.dump())
    saved = store.snapshot()
    first = store.find("Mentor", {"tenant": "acme"})[0]
    store.update(first, {"slug": "changed"})
    store.remove(store.find("Prompt", {})[0])
    store.add("Mentor", {"tenant": "acme"}, {"id": store.next_id("Mentor"), "slug": "new"})
    store.load({"records": [], "ids": {}, "deleted": [], "seeded": []})
    store.restore(saved)
    assert json.dumps(store.dump()) == before
    assert store.get("Mentor", {}, "slug", "changed") is None
    restored = store.get("Mentor", {}, "slug", "s1")
    assert restored is not None and restored is not first
    restored.data["slug"] = "scribbled"  # the snapshot keeps its own copy
    store.restore(saved)
    assert json.dumps(store.dump()) == before
    added = store.add("Mentor", {"tenant": "acme"}, {"id": 99})
    assert store.find("Mentor", {"tenant": "acme"})[-1] is added


# Cost follows the records a scope sees


@pytest.fixture
def examined(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the store looked at a record to ask whether a scope sees it."""
    calls = [0]
    visible_from = Record.visible_from

    def counted(self: Record, scope: Scope) -> bool:
        calls[0] += 1
        return visible_from(self, scope)

    monkeypatch.setattr(Record, "visible_from", counted)
    return calls


def test_a_list_examines_no_more_records_than_it_shows(examined: list[int]) -> None:
    store = InMemoryStore()
    for n in range(10_000):
        store.add("Mentor", {"tenant": f"t{n % 50}", "user": f"u{n}"}, {"id": n})
        store.add("Prompt", {"tenant": "acme"}, {"id": n})
    mine = [store.add("Mentor", {"tenant": "acme", "user": "bob"}, {"id": -n}) for n in range(3)]
    examined[0] = 0
    found = store.find("Mentor", {"tenant": "acme", "user": "bob"})
    assert all(a is b for a, b in zip(found, mine, strict=True))
    assert ids_of(store.find("Mentor", {"tenant": "acme"})) == [0, -1, -2]
    assert store.find("Mentor", {"tenant": "nowhere"}) == []
    assert examined[0] <= 2 * len(mine)
    assert store.get("Mentor", {"tenant": "acme"}, "id", "-1") is mine[1]  # builds the index
    examined[0] = 0
    assert store.get("Mentor", {"tenant": "acme"}, "id", "-2") is mine[2]
    assert store.get("Mentor", {"tenant": "acme"}, "id", "12345") is None  # a miss is a miss
    assert examined[0] <= 1


def test_a_snapshot_of_another_store_never_shares_seqs_with_later_records() -> None:
    source = InMemoryStore()
    for n in range(1, 6):
        source.add("Prompt", {}, {"id": n})
    target = InMemoryStore()
    target.restore(source.snapshot())
    added = target.add("Prompt", {}, {"id": target.next_id("Prompt")})
    assert ids_of(target.find("Prompt", {})) == [1, 2, 3, 4, 5, 6]
    assert added.data["id"] == 6
