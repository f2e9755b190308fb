"""The resource-model rules, one tiny inline document per rule."""

from __future__ import annotations

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
from mock_server.spec.index import OperationIndex

K = ResourceKind


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json(schema: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def op(
    op_id: str,
    answer: Any = None,
    *,
    status: str = "200",
    body: Any = None,
    query: tuple[str, ...] = (),
    path: tuple[str, ...] = (),
    uuid_params: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An operation answering `answer` (a schema, or None for no body) with `status`."""
    params: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "schema": string(uuid=n in uuid_params)}
        for n in path
    ]
    params += [{"name": n, "in": "query", "schema": {"type": "string"}} for n in query]
    definition: dict[str, Any] = {
        "operationId": op_id,
        "parameters": params,
        "responses": {status: json(answer) if answer is not None else {"description": ""}},
    }
    if body is not None:
        definition["requestBody"] = json(body)
    return definition


def string(*, uuid: bool = False) -> dict[str, str]:
    return {"type": "string", "format": "uuid"} if uuid else {"type": "string"}


def record(*fields: str) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "string"} for name in fields}}


def page_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "results": {"type": "array", "items": ref(name)},
        },
    }


def model(paths: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> ResourceModel:
    document = {"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}}
    return infer_resources(OperationIndex.from_document(document), document)


def kv(role: OperationRole) -> tuple[ResourceKind, Verb]:
    return role.kind, role.verb


THINGS = "/orgs/{org}/things/"
THING = "/orgs/{org}/things/{id}/"


@pytest.fixture(scope="module")
def things() -> ResourceModel:
    """A DRF ModelViewSet: paginated list/create plus retrieve/update/destroy, and an action."""
    org, item = ("org",), ("org", "id")
    return model(
        {
            THINGS: {
                "get": op("list", ref("PaginatedThingList"), path=org, query=("page", "kind")),
                "post": op(
                    "create", ref("Thing"), status="201", body=ref("ThingRequest"), path=org
                ),
            },
            THING: {
                "get": op("retrieve", ref("ThingDetail"), path=item),
                "put": op("update", ref("Thing"), body=ref("ThingRequest"), path=item),
                "patch": op("partial", ref("Thing"), body=ref("PatchedThingRequest"), path=item),
                "delete": op("destroy", status="204", path=item),
            },
            THING + "add-mentor/": {
                "post": op("add", ref("Thing"), body=ref("AddMentor"), path=item)
            },
            THING + "cancel/": {"get": op("cancel", ref("Thing"), path=item)},
            THING + "check/": {"get": op("check", ref("Check"), path=item)},
        },
        {
            "PaginatedThingList": page_of("Thing"),
            "Thing": record("id", "name"),
            "ThingDetail": record("id", "name", "more"),
            "ThingRequest": record("name"),
            "PatchedThingRequest": record("name"),
            "AddMentor": record("mentor"),
            "Check": record("ok"),
        },
    )


def test_collection_and_item_pair(things: ResourceModel) -> None:
    roles = things.roles
    assert kv(roles["list"]) == (K.COLLECTION, Verb.LIST)
    assert kv(roles["create"]) == (K.COLLECTION, Verb.CREATE)
    assert [kv(roles[i])[1] for i in ("retrieve", "update", "partial", "destroy")] == [
        Verb.RETRIEVE,
        Verb.REPLACE,
        Verb.UPDATE,
        Verb.DESTROY,
    ]
    assert {roles[i].kind for i in ("retrieve", "update", "partial", "destroy")} == {K.ITEM}
    assert {role.resource for role in roles.values()} == {"Thing"}
    listing, detail = roles["list"], roles["retrieve"]
    assert listing.paginated and listing.record_schema == "Thing"
    assert listing.list_params == ("kind",)
    assert listing.scope == ("tenant",) and listing.scope_params == (("tenant", "org"),)
    assert (detail.id_param, detail.id_field, detail.collection_path) == ("id", "id", THINGS)
    assert detail.record_schema == "ThingDetail" and detail.scope == ("tenant",)
    assert roles["create"].request_schema == "ThingRequest"
    assert things.pairs() == {(THINGS, THING)}


def test_action_under_an_item_targets_its_record(things: ResourceModel) -> None:
    add = things.roles["add"]
    assert kv(add) == (K.ACTION, Verb.ACTION)
    assert (add.resource, add.id_param, add.id_field, add.scope) == (
        "Thing",
        "id",
        "id",
        ("tenant",),
    )


def test_get_under_a_state_changing_verb_is_an_action_but_a_check_is_a_view(
    things: ResourceModel,
) -> None:
    assert kv(things.roles["cancel"]) == (K.ACTION, Verb.ACTION)
    assert kv(things.roles["check"]) == (K.VIEW, Verb.VIEW)
    assert things.roles["check"].resource == "Thing"


def test_singleton_per_scope() -> None:
    path = "/orgs/{org}/users/{user_id}/custom-instruction/"
    scope = ("org", "user_id")
    built = model(
        {
            path: {
                "get": op("get", ref("Instruction"), path=scope),
                "post": op("post", ref("Instruction"), body=ref("Instruction"), path=scope),
                "put": op("put", ref("Instruction"), body=ref("Instruction"), path=scope),
                "delete": op("delete", status="204", path=scope),
            }
        },
        {"Instruction": record("about")},
    )
    assert [kv(built.roles[i]) for i in ("get", "post", "put", "delete")] == [
        (K.SINGLETON, Verb.RETRIEVE),
        (K.SINGLETON, Verb.CREATE),
        (K.SINGLETON, Verb.REPLACE),
        (K.SINGLETON, Verb.DESTROY),
    ]
    assert built.roles["get"].scope == ("tenant", "user")
    assert built.roles["get"].id_param is None


def test_a_path_ending_in_a_scope_parameter_is_a_singleton_of_that_scope() -> None:
    path, scope = "/career/orgs/{org}/companies/users/{username}/", ("org", "username")
    built = model(
        {
            path: {
                "get": op("get", ref("Company"), path=scope),
                "put": op("put", ref("Company"), body=ref("Company"), path=scope),
            }
        },
        {"Company": record("name")},
    )
    assert kv(built.roles["get"]) == (K.SINGLETON, Verb.RETRIEVE)
    assert built.roles["put"].scope == ("tenant", "user")


def test_nested_parameter_under_a_collection_ending_in_a_parameter_is_an_item() -> None:
    """`/users/{user_id}/` lists mentors; `/users/{user_id}/{name}/` is one of them."""
    base, scope, item = (
        "/orgs/{org}/users/{user_id}/",
        ("org", "user_id"),
        ("org", "user_id", "name"),
    )
    built = model(
        {
            base: {
                "get": op("list", ref("PaginatedMentorList"), path=scope),
                "post": op("create", ref("Mentor"), body=ref("MentorCreate"), path=scope),
            },
            base + "{name}/": {
                "get": op("get", ref("Mentor"), path=item),
                "patch": op(
                    "patch", ref("MentorCreate"), body=ref("PatchedMentorCreate"), path=item
                ),
            },
            base + "audio-to-text/": {"post": op("audio", ref("Transcript"), path=scope)},
        },
        {
            "PaginatedMentorList": page_of("Mentor"),
            "Mentor": record("id", "unique_id", "name"),
            "MentorCreate": record("name"),
            "PatchedMentorCreate": record("name"),
            "Transcript": record("text"),
        },
    )
    got = built.roles["get"]
    assert kv(got) == (K.ITEM, Verb.RETRIEVE)
    assert (got.resource, got.id_param, got.id_field) == ("Mentor", "name", "name")
    assert got.scope == ("tenant", "user") and got.collection_path == base
    assert kv(built.roles["patch"]) == (K.ITEM, Verb.UPDATE)
    # A literal path under that collection is about the user, not about a mentor.
    assert kv(built.roles["audio"]) == (K.ACTION, Verb.ACTION)
    assert built.roles["audio"].resource is None


def test_views_aggregates_and_read_only_lists() -> None:
    org = ("org",)
    built = model(
        {
            "/orgs/{org}/time/over-time": {
                "get": op("agg", ref("OverTime"), path=org, query=("start_date", "end_date"))
            },
            "/orgs/{org}/topics/": {
                "get": op("rows", {"type": "array", "items": ref("Row")}, path=org)
            },
            "/orgs/{org}/transcripts/": {
                "get": op(
                    "dated", {"type": "array", "items": ref("Log")}, path=org, query=("start_date",)
                )
            },
            "/orgs/{org}/tools/": {
                "get": op("tools", {"type": "array", "items": ref("Tool")}, path=org)
            },
            "/orgs/{org}/reset/": {"post": op("reset", ref("OverTime"), path=org)},
        },
        {
            "OverTime": record("total"),
            "Row": record("topic_name", "count"),
            "Log": record("id", "text"),
            "Tool": record("id", "name"),
        },
    )
    assert {kv(built.roles[i]) for i in ("agg", "rows", "dated")} == {(K.VIEW, Verb.VIEW)}
    assert kv(built.roles["tools"]) == (K.COLLECTION, Verb.LIST)
    assert not built.roles["tools"].paginated
    assert kv(built.roles["reset"]) == (K.ACTION, Verb.ACTION)
    assert built.roles["reset"].resource is None


def test_crud_words_and_implied_templates() -> None:
    """`C/create/` creates into C; `C/{x}/delete/` destroys an item of C the document omits."""
    built = model(
        {
            "/licenses/": {"get": op("list", {"type": "array", "items": ref("LicenseDetail")})},
            "/licenses/create/": {"post": op("create", ref("License"), body=ref("License"))},
            "/licenses/{license_id}/delete/": {
                "delete": op("delete", status="204", path=("license_id",))
            },
            "/feedback/create/": {"post": op("fb_create", ref("Feedback"), body=ref("Feedback"))},
            "/feedback/{feedback_id}/": {
                "get": op("fb_get", ref("Feedback"), path=("feedback_id",)),
                "put": op("fb_put", ref("Feedback"), body=ref("Feedback"), path=("feedback_id",)),
            },
        },
        {"License": record("id"), "LicenseDetail": record("id"), "Feedback": record("id")},
    )
    assert kv(built.roles["create"]) == (K.COLLECTION, Verb.CREATE)
    assert built.roles["create"].resource == "License"
    deleted = built.roles["delete"]
    assert kv(deleted) == (K.ITEM, Verb.DESTROY)
    assert (deleted.resource, deleted.id_param, deleted.collection_path) == (
        "License",
        "license_id",
        "/licenses/",
    )
    assert kv(built.roles["fb_create"]) == (K.COLLECTION, Verb.CREATE)
    assert built.roles["fb_create"].resource == built.roles["fb_get"].resource == "Feedback"


def test_item_id_field_comes_from_the_record_schema() -> None:
    """A uuid `{id}` over a record with `unique_id` names that field, read from the schema."""
    built = model(
        {
            "/agents/": {"get": op("list", {"type": "array", "items": ref("Agent")})},
            "/agents/{id}/": {
                "delete": op("delete", status="204", path=("id",), uuid_params=("id",))
            },
        },
        {"Agent": record("id", "unique_id", "name")},
    )
    deleted = built.roles["delete"]
    assert (deleted.id_param, deleted.id_field, deleted.record_schema) == ("id", "unique_id", None)


def test_every_operation_gets_a_role_even_without_any_schema() -> None:
    built = model(
        {
            "/hook/": {"post": op("hook")},
            "/health/": {"get": op("health")},
            "/odd/{x}": {"delete": op("odd", status="405", path=("x",))},
        },
        {},
    )
    assert set(built.roles) == {"hook", "health", "odd"}
    assert kv(built.roles["hook"]) == (K.ACTION, Verb.ACTION)
    assert kv(built.roles["health"]) == (K.VIEW, Verb.VIEW)
    assert kv(built.roles["odd"]) == (K.ITEM, Verb.DESTROY)
    assert built.roles["odd"].resource == "Odd"  # named from the path: no schema says more


def test_describe_counts_every_kind_out_of_the_total(things: ResourceModel) -> None:
    text = describe(things)
    total = len(things.roles)
    for kind in ResourceKind:
        assert f"{kind.value} {things.kinds().get(kind, 0)}/{total}" in text
    assert "1 resource types" in text and "1 collection/item path pairs" in text
    verbose = describe(things, verbose=True)
    assert "POST   /orgs/{org}/things/{id}/add-mentor/ -> action/action Thing [tenant] {id}=id" in (
        verbose
    )
    assert things.resources() == {"Thing": list(things.roles.values())}
