"""The resource model inferred from the real ibl-data-manager document."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from mock_server.model import (
    OperationRole,
    ResourceKind,
    ResourceModel,
    Verb,
    describe,
    infer_resources,
)
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex

K = ResourceKind
USERS = "/api/ai-mentor/orgs/{org}/users/{user_id}/"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_document().document


@pytest.fixture(scope="module")
def index(document: dict[str, Any]) -> OperationIndex:
    return OperationIndex.from_document(document)


@pytest.fixture(scope="module")
def model(index: OperationIndex, document: dict[str, Any]) -> ResourceModel:
    return infer_resources(index, document)


def roles_at(model: ResourceModel, path: str) -> dict[str, OperationRole]:
    return {role.method: role for role in model.roles.values() if role.path == path}


def test_every_operation_gets_a_role(model: ResourceModel, index: OperationIndex) -> None:
    assert set(model.roles) == set(index.by_id)
    assert len(model.roles) == 1176
    for operation in index:
        role = model.roles[operation.operation_id]
        assert (role.method, role.path) == (operation.method, operation.path)


def test_counts_per_kind_and_verb(
    model: ResourceModel, index: OperationIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds, verbs = model.kinds(), model.verbs()
    with capsys.disabled():
        print("\n" + describe(model))
    # Loose bounds: a rule that stops firing moves dozens of operations at once.
    assert kinds[K.COLLECTION] >= 150
    assert kinds[K.ITEM] >= 150
    assert kinds[K.SINGLETON] >= 40
    assert kinds[K.ACTION] >= 100
    assert kinds[K.VIEW] >= 300
    assert verbs[Verb.LIST] >= 100 and verbs[Verb.CREATE] >= 80
    assert len(model.pairs()) >= 60
    assert len(model.resources()) >= 100
    assert sum(role.paginated for role in model.roles.values()) >= 60
    analytics = [op for op in index if "ai-analytics" in op.definition.get("tags", [])]
    as_views = Counter(model.roles[op.operation_id].kind for op in analytics)
    assert len(analytics) == 214 and as_views[K.VIEW] >= 180


def test_custom_instruction_is_a_singleton_per_user(model: ResourceModel) -> None:
    roles = roles_at(model, USERS + "custom-instruction/")
    assert {method: (r.kind, r.verb) for method, r in roles.items()} == {
        "get": (K.SINGLETON, Verb.RETRIEVE),
        "post": (K.SINGLETON, Verb.CREATE),
        "put": (K.SINGLETON, Verb.REPLACE),
    }
    assert {r.scope for r in roles.values()} == {("tenant", "user")}
    assert len({r.resource for r in roles.values()}) == 1


def test_disclaimer_agreements_list(model: ResourceModel) -> None:
    listing = roles_at(model, USERS + "disclaimer-agreements/")["get"]
    assert (listing.kind, listing.verb) == (K.COLLECTION, Verb.LIST)
    assert listing.paginated
    assert listing.resource == listing.record_schema == "DisclaimerAgreement"
    assert {"disclaimer", "mentor_id", "username"} <= set(listing.list_params)
    assert not {"page", "page_size"} & set(listing.list_params)
    assert listing.scope == ("tenant", "user")
    assert listing.scope_params == (("tenant", "org"), ("user", "user_id"))
    item = roles_at(model, USERS + "disclaimer-agreements/{id}/")
    assert (item["get"].kind, item["get"].verb) == (K.ITEM, Verb.RETRIEVE)
    assert (item["delete"].kind, item["delete"].verb) == (K.ITEM, Verb.DESTROY)
    assert item["get"].collection_path == listing.path
    assert item["get"].resource == "DisclaimerAgreement"


def test_add_mentor_is_an_action_on_a_disclaimer(model: ResourceModel) -> None:
    found = [
        role
        for role in model.roles.values()
        if role.path.endswith("/add-mentor/") and "/disclaimers/" in role.path
    ]
    assert len(found) == 1
    action = found[0]
    assert (action.kind, action.verb) == (K.ACTION, Verb.ACTION)
    assert (action.resource, action.id_param, action.id_field) == ("Disclaimer", "id", "id")
    assert action.scope == ("tenant", "user")


def test_mentor_records_are_one_type_across_their_paths(model: ResourceModel) -> None:
    """Listed at `/users/{user_id}/`, got at `.../{name}/` and `.../mentors/{mentor}/`."""
    listing = roles_at(model, USERS)
    nested = roles_at(model, USERS + "{name}/")
    by_mentor = roles_at(model, USERS + "mentors/{mentor}/")["get"]
    assert (listing["get"].verb, listing["post"].verb) == (Verb.LIST, Verb.CREATE)
    assert (nested["get"].kind, nested["get"].id_param) == (K.ITEM, "name")
    assert nested["get"].collection_path == USERS
    assert (by_mentor.kind, by_mentor.id_field) == (K.ITEM, "unique_id")
    assert {listing["get"].resource, nested["patch"].resource, by_mentor.resource} == {"Mentor"}
    assert {listing["get"].scope, nested["get"].scope, by_mentor.scope} == {("tenant", "user")}


def test_items_agree_with_their_collections(model: ResourceModel) -> None:
    by_path: dict[str, list[OperationRole]] = {}
    for role in model.roles.values():
        by_path.setdefault(role.path, []).append(role)
    for role in model.roles.values():
        if role.kind is K.ITEM:
            assert role.id_param is not None and role.id_field
            assert f"{{{role.id_param}}}" in role.path
            assert role.id_param not in dict(role.scope_params).values()
        if role.collection_path is not None:
            owners = {r.resource for r in by_path[role.collection_path] if r.kind is K.COLLECTION}
            assert role.resource in owners, role.path


def test_scopes_use_canonical_names(model: ResourceModel) -> None:
    aliases = {"org", "platform_key", "platform_org", "user_id", "username", "mentor_unique_id"}
    for role in model.roles.values():
        assert not aliases & set(role.scope), role.path
        assert tuple(name for name, _ in role.scope_params) == role.scope


def test_describe_reports_every_kind_out_of_1176(model: ResourceModel) -> None:
    text = describe(model)
    kinds = model.kinds()
    for kind in ResourceKind:
        assert f"{kind.value} {kinds[kind]}/1176" in text
    assert f"{len(model.resources())} resource types" in text
    assert "1176 operations" in text
    verbose = describe(model, verbose=True)
    assert len(verbose.splitlines()) == 4 + 1176  # four summary lines, one per operation
