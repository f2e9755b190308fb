"""Seeding the shipped world: counts, valid records, references, determinism, claimed scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from mock_server.app import MockApplication
from mock_server.fixtures import (
    DEFAULT_WORLD_PATH,
    Family,
    SeedReport,
    World,
    family_role,
    load_world,
    scope_label,
    seed_world,
)
from mock_server.fixtures.links import snake
from mock_server.handlers import MockEngine
from mock_server.messages import MockRequest
from mock_server.settings import Settings
from mock_server.spec import load_document
from mock_server.store import Record

if TYPE_CHECKING:
    from conftest import ASGIClient

Seeded = tuple[MockEngine, World, SeedReport]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_document().document


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(DEFAULT_WORLD_PATH)


@pytest.fixture(scope="module")
def seeded(document: dict[str, Any], world: World) -> Seeded:
    engine = MockEngine(document, seed=0, world=world)
    return engine, world, seed_world(engine, world)


def expected_counts(world: World, family: Family) -> dict[str, int]:
    """Scope label -> records, read straight from the world file's meaning."""
    if family.scope == "global":
        return {"(global)": family.per_admin * len(world.tenants)}
    if family.scope == "tenant":
        return {f"tenant={t.name}": family.per_admin for t in world.tenants}
    return {
        f"tenant={t.name},user={u.username}": family.count_for(u.is_admin)
        for t in world.tenants
        for u in t.users
    }


def family_scopes(world: World, family: Family) -> list[dict[str, str]]:
    if family.scope == "global":
        return [{}]
    if family.scope == "tenant":
        return [{"tenant": t.name} for t in world.tenants]
    return [{"tenant": t.name, "user": u.username} for t in world.tenants for u in t.users]


def in_scope(engine: MockEngine, resource: str, scope: dict[str, str]) -> list[Record]:
    return [r for r in engine.store.find(resource, scope) if r.scope == scope]


def tenant_of(record: Record) -> str | None:
    """The scope's tenant; a platform-wide record names its tenant in a field."""
    found = record.scope.get("tenant") or record.data.get("org") or record.data.get("platform_key")
    return str(found) if found is not None else None


def everything(engine: MockEngine, world: World) -> bytes:
    resources = sorted({family.resource for family in world.families})
    return orjson.dumps(
        [[r.resource, r.scope, r.data] for name in resources for r in engine.store.find(name, {})]
    )


def test_the_world_is_a_few_hundred_records(seeded: Seeded) -> None:
    engine, _, report = seeded
    assert 100 <= report.total <= 600
    assert report.total + report.made_for_references == sum(engine.store.counts().values())
    assert report.references > 0 and "records" in report.summary()


def test_each_family_has_its_count_in_each_scope(seeded: Seeded) -> None:
    engine, world, report = seeded
    for family in world.families:
        expected = expected_counts(world, family)
        actual = {
            scope_label(scope): len(in_scope(engine, family.resource, scope))
            for scope in family_scopes(world, family)
        }
        assert actual == expected, family.resource
        assert {k: v for (r, k), v in report.records.items() if r == family.resource} == expected


def test_every_seeded_record_validates_against_its_record_schema(seeded: Seeded) -> None:
    engine, world, _ = seeded
    for family in world.families:
        # Records are kept in their type's record schema (the model's `record_type`), whichever
        # role's schema made the family.
        schema = engine.resources.records.schema(family_role(engine, family))
        for scope in family_scopes(world, family):
            for record in in_scope(engine, family.resource, scope):
                assert engine.synthesizer.fits(schema, record.data), (family.resource, record.data)


def test_records_carry_the_identity_of_their_tenant_and_user(seeded: Seeded) -> None:
    engine, world, _ = seeded
    main = world.tenant("main")
    assert main is not None
    alice = main.user("alice")
    assert alice is not None
    scope = {"tenant": "main", "user": "alice"}
    for mentor in in_scope(engine, "Mentor", scope):
        assert (mentor.data["platform"], mentor.data["created_by"]) == ("main", "alice")
    for conversation in in_scope(engine, "Conversations", scope):
        assert (conversation.data["email"], conversation.data["platform"]) == (alice.email, "main")
    for agreement in in_scope(engine, "DisclaimerAgreement", scope):
        assert (agreement.data["user_id"], agreement.data["platform_key"]) == ("alice", "main")
    courses = engine.store.find("Course", {})
    for tenant in world.tenants:
        assert len([c for c in courses if c.data["org"] == tenant.name]) == 12
    for project in engine.store.find("Project", {"tenant": "northwind-academy"}):
        assert project.data["platform_key"] == "northwind-academy"
        assert project.data["platform_name"] == "Northwind Academy"
        assert project.data["owner_username"] == "nora"


def test_every_disclaimer_agreement_names_a_disclaimer_of_its_scope(seeded: Seeded) -> None:
    engine, world, _ = seeded
    checked = 0
    for tenant in world.tenants:
        for user in tenant.users:
            scope = {"tenant": tenant.name, "user": user.username}
            disclaimers = {d.data["id"] for d in in_scope(engine, "Disclaimer", scope)}
            for agreement in in_scope(engine, "DisclaimerAgreement", scope):
                assert agreement.data["disclaimer"] in disclaimers, scope
                checked += 1
    assert checked == sum(len(tenant.users) for tenant in world.tenants)


def test_references_follow_the_naming_rule_and_the_links(seeded: Seeded) -> None:
    engine, world, _ = seeded
    resources = sorted({family.resource for family in world.families})
    referenced: dict[str, str] = {}
    for name in resources:
        for field in (snake(name), f"{snake(name)}_id", f"{snake(name)}_unique_id"):
            referenced[field] = name
    links = {field: target for family in world.families for field, target in family.links}
    checked: set[tuple[str, str]] = set()
    for family in world.families:
        role = family_role(engine, family)
        properties = engine.resources.records.properties(role)
        fields = {**referenced, **{f: t for f, t in family.links}}
        for record in engine.store.find(family.resource, {}):
            for field, target in sorted(fields.items()):
                value = record.data.get(field)
                if target == family.resource or field not in properties or value is None:
                    continue
                keys = [
                    t.data.get(key)
                    for t in engine.store.find(target, {})
                    if tenant_of(t) == tenant_of(record)
                    for key in ("id", "unique_id", f"{snake(target)}_id")
                ]
                fitting = [k for k in keys if engine.synthesizer.fits(properties[field], k)]
                if fitting:
                    assert value in fitting, (family.resource, field, value)
                    checked.add((family.resource, field))
    assert {
        ("Prompt", "mentor"),
        ("Conversations", "mentor"),
        ("UserMemory", "mentor"),
        ("UserChatFeedback", "mentor"),
        ("DisclaimerAgreement", "disclaimer"),
    } <= checked
    assert ("MentorCategory", "category_group") in checked and "category_group" in links


def test_same_seed_same_world_other_seed_other_world(
    document: dict[str, Any], world: World, seeded: Seeded
) -> None:
    first = everything(seeded[0], world)
    again = MockEngine(document, seed=0, world=world)
    seed_world(again, world)
    assert everything(again, world) == first
    other = MockEngine(document, seed=1, world=world)
    seed_world(other, world)
    assert everything(other, world) != first


def test_seeding_claims_the_scopes_so_nothing_is_added_later(
    document: dict[str, Any], world: World
) -> None:
    engine = MockEngine(document, seed=0, world=world)
    report = seed_world(engine, world)
    before = engine.store.counts()
    for family in world.families:
        for scope in family_scopes(world, family):
            assert not engine.store.claim_seed(family.resource, scope), (family.resource, scope)
    again = seed_world(engine, world)
    assert (again.total, again.scopes_claimed) == (0, 0)
    assert again.scopes_skipped == report.scopes_claimed
    # A learner with no seeded categories reads an empty list, not three lazily seeded ones.
    path = "/api/ai-mentor/orgs/main/users/bob/mentor/categories/"
    operation = engine.index.by_path[
        "/api/ai-mentor/orgs/{org}/users/{user_id}/mentor/categories/"
    ]["get"]
    request = MockRequest(
        "get",
        path,
        "http://testserver",
        {"org": "main", "user_id": "bob"},
        headers={"authorization": "Api-Key test-key"},
    )
    response = engine.handle(operation.operation_id, request)
    assert response.status == 200 and orjson.loads(response.body) == []
    assert engine.store.counts() == before


@pytest.fixture(scope="module")
def world_app(world: World) -> MockApplication:
    app = MockApplication(Settings())
    seed_world(app.engine, world)
    return app


def test_the_world_reads_back_over_http(
    world_app: MockApplication, make_client: Callable[[Any], ASGIClient]
) -> None:
    client = make_client(world_app.asgi)
    base = "/api/ai-mentor/orgs/main/users"
    mentors = client.get(f"{base}/alice/").json()
    assert mentors["count"] == 2
    agreements = client.get(f"{base}/bob/disclaimer-agreements/").json()
    assert agreements["count"] == 1
    disclaimer = agreements["results"][0]["disclaimer"]
    assert client.get(f"{base}/bob/disclaimers/{disclaimer}/").status_code == 200
    courses = client.get("/api/catalog/courses/", params={"org": "northwind-academy"})
    assert courses.status_code == 200, courses.text
    assert [course["org"] for course in courses.json()] == ["northwind-academy"] * 12
    (seeded,) = world_app.engine.store.find(
        "CustomInstructionResponse", {"tenant": "main", "user": "alice"}
    )
    instruction = client.get(f"{base}/alice/custom-instruction/").json()
    assert instruction["id"] == seeded.data["id"]
    assert client.post("/__mock__/reset").status_code == 200
    assert client.get(f"{base}/alice/").json()["count"] == 2
