"""What a client writes it reads back: the stateful behaviour over the whole document."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from operation_requests import concrete_path, json_body, required_query

from mock_server.app import MockApplication
from mock_server.model import OperationRole, ResourceKind, Verb
from mock_server.settings import Settings
from mock_server.spec.index import Operation

if TYPE_CHECKING:
    from conftest import ASGIClient

ORG, USER = "main", "bob"  # a learner of the world file
NEW_USER = "/api/ai-mentor/orgs/acme/users/learner-1"  # a tenant and user it does not name
CUSTOM_INSTRUCTION = f"/api/ai-mentor/orgs/{ORG}/users/{USER}/custom-instruction/"
AGREEMENTS = f"/api/ai-mentor/orgs/{ORG}/users/{USER}/disclaimer-agreements/"


@pytest.fixture(scope="module")
def app() -> MockApplication:
    return MockApplication(Settings())


@pytest.fixture(scope="module")
def state_client(app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(app.asgi)


@pytest.fixture(autouse=True)
def fresh_world(state_client: ASGIClient) -> Iterator[None]:
    yield
    assert state_client.post("/__mock__/reset").status_code == 200


def test_custom_instruction_is_one_record_per_user(state_client: ASGIClient) -> None:
    created = state_client.post(CUSTOM_INSTRUCTION, json={"profession": "Engineer"})
    assert created.status_code in (200, 201), created.text
    assert created.json()["profession"] == "Engineer"
    read = state_client.get(CUSTOM_INSTRUCTION).json()
    assert read["profession"] == "Engineer"
    replaced = state_client.request("PUT", CUSTOM_INSTRUCTION, json={"about_user": "Likes maps"})
    assert replaced.status_code == 200, replaced.text
    read = state_client.get(CUSTOM_INSTRUCTION).json()
    assert (read["profession"], read["about_user"]) == ("Engineer", "Likes maps")
    other_user = state_client.get(CUSTOM_INSTRUCTION.replace(USER, "someone-else")).json()
    assert other_user.get("about_user") != "Likes maps"


def test_a_number_sent_for_a_string_field_is_kept_as_text_as_drf_does(
    state_client: ASGIClient,
) -> None:
    created = state_client.post(CUSTOM_INSTRUCTION, json={"profession": 42, "about_user": 2.5})
    assert created.status_code in (200, 201), created.text
    read = state_client.get(CUSTOM_INSTRUCTION).json()
    assert (read["profession"], read["about_user"]) == ("42", "2.5")
    refused = state_client.post(CUSTOM_INSTRUCTION, json={"profession": True})
    assert (refused.status_code, refused.json()) == (400, {"profession": ["Not a valid string."]})


def _ids(client: ASGIClient, url: str, **params: Any) -> list[int]:
    body = client.get(url, params=params).json()
    return [item["id"] for item in body["results"]]


def test_disclaimer_agreements_create_list_filter_paginate(state_client: ASGIClient) -> None:
    before = state_client.get(AGREEMENTS).json()["count"]
    created = state_client.post(AGREEMENTS, json={"disclaimer": 987654})
    assert created.status_code == 201, created.text
    agreement = created.json()
    assert agreement["disclaimer"] == 987654
    listing = state_client.get(AGREEMENTS, params={"page_size": 100}).json()
    assert listing["count"] == before + 1
    assert agreement["id"] in [item["id"] for item in listing["results"]]
    assert _ids(state_client, AGREEMENTS, disclaimer=987654) == [agreement["id"]]
    first = state_client.get(AGREEMENTS, params={"page_size": 1}).json()
    # DRF rebuilds the query sorted by name (replace_query_param).
    assert first["next"] == f"http://testserver{AGREEMENTS}?page=2&page_size=1"
    assert first["previous"] is None and len(first["results"]) == 1
    past = state_client.get(AGREEMENTS, params={"page": 999})
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})


def test_scopes_isolate_tenants(state_client: ASGIClient) -> None:
    created = state_client.post(AGREEMENTS, json={"disclaimer": 424242}).json()
    foreign = AGREEMENTS.replace(f"/orgs/{ORG}/", "/orgs/other-org/")
    assert _ids(state_client, foreign, disclaimer=424242) == []
    assert _ids(state_client, AGREEMENTS, disclaimer=424242) == [created["id"]]


def test_reset_restores_the_seeded_world(state_client: ASGIClient) -> None:
    initial = state_client.get("/__mock__/state").json()
    state_client.get(AGREEMENTS)  # the world seeded this user's agreements: nothing is added
    state_client.post(AGREEMENTS, json={"disclaimer": 5})
    grown = state_client.get("/__mock__/state").json()
    assert grown["records"] == initial["records"] + 1
    assert state_client.post("/__mock__/reset").status_code == 200
    assert state_client.get("/__mock__/state").json() == initial
    assert state_client.get(AGREEMENTS, params={"disclaimer": 5}).json()["count"] == 0


def test_a_new_user_starts_like_a_new_account(state_client: ASGIClient) -> None:
    initial = state_client.get("/__mock__/state").json()["records"]
    agreements = state_client.get(f"{NEW_USER}/disclaimer-agreements/")
    assert (agreements.status_code, agreements.json()["count"]) == (200, 0)
    instruction = state_client.get(f"{NEW_USER}/custom-instruction/")
    assert (instruction.status_code, instruction.json()) == (404, {"detail": "Not found."})
    assert state_client.get("/__mock__/state").json()["records"] == initial
    created = state_client.post(f"{NEW_USER}/custom-instruction/", json={"profession": "Nurse"})
    assert created.status_code in (200, 201), created.text
    assert state_client.get(f"{NEW_USER}/custom-instruction/").json()["profession"] == "Nurse"


def test_a_failed_lookup_or_a_malformed_scope_seeds_nothing(
    make_client: Callable[[Any], ASGIClient],
) -> None:
    populated = make_client(MockApplication(Settings(populate_new_scopes=True)).asgi)
    initial = populated.get("/__mock__/state").json()["records"]
    assert populated.get(f"{NEW_USER}/disclaimer-agreements/999999/").status_code == 404
    assert (
        populated.get("/api/ai-mentor/orgs/acme/users/%ff/disclaimer-agreements/").json()["count"]
        == 0
    )
    assert populated.get("/__mock__/state").json()["records"] == initial
    listed = populated.get(f"{NEW_USER}/disclaimer-agreements/").json()
    assert listed["count"] == 3  # populated on request, as a demo wants
    assert populated.get("/__mock__/state").json()["records"] == initial + 3


# -- the generic round trip over every inferred collection/item pair -----------------------


def _pairs(app: MockApplication) -> list[tuple[Operation, Operation, OperationRole]]:
    roles = app.engine.model.roles
    index = app.engine.index
    found = []
    for item_role in roles.values():
        if item_role.kind is not ResourceKind.ITEM or item_role.verb is not Verb.RETRIEVE:
            continue
        create = next(
            (
                index.by_id[r.operation_id]
                for r in roles.values()
                if r.path == item_role.collection_path and r.verb is Verb.CREATE
            ),
            None,
        )
        retrieve = index.by_id[item_role.operation_id]
        stored = app.engine.resources.role(retrieve) is not None
        if create is not None and stored and app.engine.resources.role(create) is not None:
            found.append((create, retrieve, item_role))
    return found


_APP_FOR_PARAMS = MockApplication(Settings())
PAIRS = _pairs(_APP_FOR_PARAMS)


def _listed(
    client: ASGIClient, app: MockApplication, collection: str, url: str, field: str, value: Any
) -> bool | None:
    """Whether the collection's list at `url` shows a record whose `field` is `value`; None
    when nothing lists the collection or its items do not show that field."""
    listing = app.engine.index.by_path.get(collection, {}).get("get")
    if listing is None:
        return None
    params = [*required_query(app.engine.synthesizer, listing), ("page_size", "1000")]
    body = client.get(url, params=params).json()
    items = body.get("results", []) if isinstance(body, dict) else body
    items = [item for item in items if isinstance(item, dict) and field in item]
    if not items:
        return None
    return any(str(item[field]) == str(value) for item in items)


def _shows(read: Any, sent: Any) -> bool:
    """The answer shows what was sent: the value itself, or the related object it names."""
    if read == sent:
        return True
    if isinstance(sent, list) and isinstance(read, list) and len(sent) == len(read):
        return all(_shows(r, s) for r, s in zip(read, sent, strict=True))
    if isinstance(read, dict) and not isinstance(sent, dict | list):
        named_by = [f for f in ("id", "unique_id", "uuid", "pk") if f in read]
        # A nested object with no id field cannot show which record it is: nothing to compare.
        return not named_by or any(read[f] == sent for f in named_by)
    return False


def _sent_fields_read_back(sent: bytes | None, read: Any, stored: dict[str, Any]) -> list[str]:
    """Fields the client sent, the record keeps and the answer shows, that came back changed."""
    if not sent or not isinstance(read, dict):
        return []
    body = json.loads(sent)
    if not isinstance(body, dict):
        return []
    # Nested objects are left out: a serializer may read them back through another shape.
    return [
        name
        for name, value in body.items()
        if name in read
        and name in stored
        and stored[name] == value
        and not isinstance(value, dict)
        and not _shows(read[name], value)
    ]


# Pinned: a change to the model that loses a stored create/retrieve pair fails here instead of
# quietly running fewer round trips.
ROUND_TRIP_PAIRS = 48


def test_the_round_trip_covers_every_stored_pair() -> None:
    assert len(PAIRS) == ROUND_TRIP_PAIRS


@pytest.mark.parametrize(
    ("create", "retrieve", "role"), PAIRS, ids=[p[1].operation_id for p in PAIRS]
)
def test_round_trip(
    state_client: ASGIClient,
    app: MockApplication,
    create: Operation,
    retrieve: Operation,
    role: OperationRole,
) -> None:
    """create -> read back -> listed -> update -> read back -> delete -> 404 -> not listed."""
    engine = app.engine
    synthesizer = engine.synthesizer
    collection_url = concrete_path(create)
    sent = json_body(synthesizer, create)
    created = state_client.post(
        collection_url,
        params=required_query(synthesizer, create),
        content=sent,
        headers={"content-type": "application/json"},
    )
    assert created.status_code == create.answer_status, created.text
    record = engine.store.find(role.resource or "", {})[-1].data
    field = engine.resources.records.lookup_field(role)
    identifier = str(record[field])
    answer = created.json() if created.content else None
    if isinstance(answer, dict) and field in answer:
        # The key the create shows is the one its item path takes.
        assert str(answer[field]) == identifier
    item_url = concrete_path(retrieve, {role.id_param or "id": identifier})
    query = required_query(synthesizer, retrieve)
    read = state_client.get(item_url, params=query)
    assert read.status_code == 200, read.text
    assert not _sent_fields_read_back(sent, read.json(), record)
    collection = create.path
    assert _listed(state_client, app, collection, collection_url, field, identifier) is not False

    for method in ("patch", "put"):
        update = engine.index.by_path.get(retrieve.path, {}).get(method)
        if update is None:
            continue
        changes = json_body(synthesizer, update)
        answer = state_client.request(
            method.upper(),
            item_url,
            params=required_query(synthesizer, update),
            content=changes,
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == update.answer_status, answer.text
        # An update may rename the record (its lookup field): follow it.
        item_url = concrete_path(retrieve, {role.id_param or "id": str(record[field])})
        again = state_client.get(item_url, params=query)
        assert again.status_code == 200, again.text
        assert not _sent_fields_read_back(changes, again.json(), record)

    identifier = str(record[field])
    destroy = engine.index.by_path.get(retrieve.path, {}).get("delete")
    if destroy is not None and 200 <= destroy.answer_status < 300:
        gone = state_client.request("DELETE", item_url, params=required_query(synthesizer, destroy))
        assert gone.status_code == destroy.answer_status, gone.text
        assert state_client.get(item_url, params=query).status_code == 404
        assert not _listed(state_client, app, collection, collection_url, field, identifier)
        # (None: the list does not show the id field, so absence cannot be seen either)


def test_a_tenant_filter_on_a_platform_wide_list_shows_that_tenant_only(
    state_client: ASGIClient,
) -> None:
    every = state_client.get("/api/catalog/skills/", params={"page_size": 100}).json()["results"]
    tenants = {skill["platform"] for skill in every}
    assert len(tenants) > 1
    for tenant in tenants:
        listed = state_client.get("/api/catalog/skills/", params={"platform_key": tenant})
        assert {skill["platform"] for skill in listed.json()["results"]} == {tenant}
    assert (
        state_client.get("/api/catalog/skills/", params={"platform_key": "nobody"}).json()["count"]
        == 0
    )


def test_add_and_remove_mentor_change_the_disclaimers_mentors(state_client: ASGIClient) -> None:
    disclaimers = f"/api/ai-mentor/orgs/{ORG}/users/{USER}/disclaimers/"
    created = state_client.post(disclaimers, json={"content": "Be kind.", "scope": "platform"})
    assert created.status_code == 201, created.text
    item = f"{disclaimers}{created.json()['id']}/"
    mentor = "3f1c2a3e-8d4b-4c2a-9e1f-2b3c4d5e6f71"
    added = state_client.post(f"{item}add-mentor/", json={"mentor_id": mentor})
    assert added.status_code == 200, added.text
    assert mentor in added.json()["mentors"]
    assert mentor in state_client.get(item).json()["mentors"]
    removed = state_client.post(f"{item}remove-mentor/", json={"mentor_id": mentor})
    assert mentor not in removed.json()["mentors"]
    assert mentor not in state_client.get(item).json()["mentors"]
    missing = state_client.post(f"{disclaimers}999999/add-mentor/", json={"mentor_id": mentor})
    assert missing.status_code == 404


def test_a_call_configuration_and_its_mentor_name_each_other(
    state_client: ASGIClient, app: MockApplication
) -> None:
    base = f"/api/ai-mentor/orgs/{ORG}/users/{USER}"
    assert state_client.get(f"{base}/").status_code == 200  # the user's mentors, seeded
    mentor = app.engine.store.find("Mentor", {"tenant": ORG, "user": USER})[0].data["unique_id"]
    create = app.engine.index.by_path[
        "/api/ai-mentor/orgs/{org}/users/{user_id}/call-configurations/"
    ]["post"]
    body = {**json.loads(json_body(app.engine.synthesizer, create)), "mentor": mentor}
    created = state_client.post(f"{base}/call-configurations/", json=body)
    assert created.status_code == 201, created.text
    shown = state_client.get(f"{base}/mentors/{mentor}/").json()["call_configuration"]
    assert shown["id"] == created.json()["id"]
    assert shown["mentor"] == mentor


def test_analytics_totals_count_what_the_tenant_stores(
    state_client: ASGIClient, app: MockApplication
) -> None:
    summary = f"/api/ai-analytics/orgs/{ORG}/users/admin/conversation-summary/"
    before = state_client.get(summary).json()["total_conversations"]
    assert before == len(app.engine.store.find("Conversations", {"tenant": ORG}))
    create = app.engine.index.by_path["/api/ai-analytics/orgs/{org}/users/{user_id}/chat-history/"][
        "post"
    ]
    created = state_client.post(
        f"/api/ai-analytics/orgs/{ORG}/users/{USER}/chat-history/",
        content=json_body(app.engine.synthesizer, create),
        headers={"content-type": "application/json"},
    )
    assert created.status_code == 201, created.text
    assert state_client.get(summary).json()["total_conversations"] == before + 1
    mentors = state_client.get(f"/api/ai-analytics/orgs/{ORG}/users/admin/mentor-summary/").json()
    assert mentors["total_mentors"] == len(app.engine.store.find("Mentor", {"tenant": ORG}))
    assert mentors["active_mentors"] <= mentors["total_mentors"]


def test_a_scim_list_is_one_envelope_holding_the_stored_resources(
    state_client: ASGIClient,
) -> None:
    groups = f"/api/orgs/{ORG}/scim/v2/Groups"
    created = state_client.post(
        groups, json={"displayName": "Spring Cohort", "id": "g-spring", "members": []}
    )
    assert created.status_code == 200, created.text  # the document declares 200
    (envelope,) = state_client.get(groups).json()
    assert envelope["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert envelope["totalResults"] == len(envelope["Resources"])
    assert "Spring Cohort" in [group.get("displayName") for group in envelope["Resources"]]
