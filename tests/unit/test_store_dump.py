"""`store.dump()` through JSON and back (`load`): what a state export carries must all return."""

from __future__ import annotations

import json

from mock_server.store import InMemoryStore


def _through_json(store: InMemoryStore) -> InMemoryStore:
    loaded = InMemoryStore()
    loaded.load(json.loads(json.dumps(store.dump())))
    return loaded


def _world() -> InMemoryStore:
    store = InMemoryStore()
    store.add("Mentor", {"tenant": "acme"}, {"id": store.next_id("Mentor"), "slug": "ada"})
    gone = store.add("Mentor", {"tenant": "acme", "user": "bo"}, {"id": store.next_id("Mentor")})
    store.add("Course", {"tenant": "acme"}, {"id": 40, "tags": ["a", "b"], "meta": {"n": None}})
    store.add("Mentor", {"tenant": "globex"}, {"id": store.next_id("Mentor"), "slug": "cy"})
    store.remove(gone)
    only = store.add("Prompt", {"tenant": "acme"}, {"id": store.next_id("Prompt")})
    store.remove(only)  # a type with no record left still has its id counter
    assert store.claim_seed("Mentor", {"tenant": "acme", "user": "bo"})
    assert store.claim_seed("Course", {"tenant": "acme"})
    return store


def test_records_come_back_in_their_scopes_and_order() -> None:
    store = _world()
    loaded = _through_json(store)
    assert loaded.counts() == store.counts() == {"Course": 1, "Mentor": 2}
    for scope in ({}, {"tenant": "acme"}, {"tenant": "globex"}, {"tenant": "acme", "user": "bo"}):
        for resource in ("Mentor", "Course"):
            assert [r.data for r in loaded.find(resource, scope)] == [
                r.data for r in store.find(resource, scope)
            ]
    found = loaded.get("Mentor", {"tenant": "globex"}, "slug", "cy")
    assert found is not None and found.scope == {"tenant": "globex"}
    assert loaded.get("Course", {}, "id", "40") is not None


def test_id_counters_come_back_even_for_types_with_nothing_left() -> None:
    loaded = _through_json(_world())
    assert loaded.next_id("Mentor") == 4  # 1, 2 (removed), 3 were given
    assert loaded.next_id("Prompt") == 2
    assert loaded.next_id("Course") == 41  # above the id it holds
    assert loaded.get("Mentor", {}, "id", "2") is None


def test_seeded_scope_claims_come_back() -> None:
    loaded = _through_json(_world())
    assert not loaded.claim_seed("Mentor", {"tenant": "acme", "user": "bo"})
    assert not loaded.claim_seed("Course", {"tenant": "acme"})
    assert loaded.claim_seed("Course", {"tenant": "globex"})


def test_a_dump_of_the_loaded_store_is_the_same_dump() -> None:
    store = _world()
    # Compared as JSON: a dump holds tuples where JSON has lists.
    again = json.loads(json.dumps(_through_json(store).dump()))
    assert again == json.loads(json.dumps(store.dump()))


def test_loaded_records_do_not_share_field_maps_with_a_later_load() -> None:
    """Loading one dump twice (an imported snapshot restored twice) gives two worlds."""
    text = json.dumps(_world().dump())
    first, second = InMemoryStore(), InMemoryStore()
    first.load(json.loads(text))
    second.load(json.loads(text))
    record = first.get("Mentor", {}, "slug", "ada")
    assert record is not None
    first.update(record, {"slug": "ada-2"})
    assert second.get("Mentor", {}, "slug", "ada") is not None
