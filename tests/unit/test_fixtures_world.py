"""The world file: what it holds, and errors that name the bad key."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.fixtures import DEFAULT_WORLD_PATH, World, WorldError, load_world
from mock_server.handlers import MockEngine
from mock_server.model import ResourceModel
from mock_server.spec import load_document

MINIMAL: dict[str, Any] = {
    "tenants": [
        {
            "name": "acme",
            "api_key": "acme-platform-key-1",
            "users": [
                {
                    "username": "root",
                    "email": "root@acme.example.com",
                    "first_name": "Ro",
                    "last_name": "Ot",
                    "is_admin": True,
                    "token": "acme-root-token-1",
                },
                {
                    "username": "lea",
                    "email": "lea@acme.example.com",
                    "first_name": "Lea",
                    "last_name": "Rner",
                    "is_admin": False,
                    "token": "acme-lea-token-1",
                },
            ],
        }
    ],
    "families": [{"resource": "Mentor", "scope": "user", "count": {"admin": 2, "learner": 1}}],
}

Writer = Callable[[dict[str, Any]], Path]


@pytest.fixture(scope="module")
def model() -> ResourceModel:
    return MockEngine(load_document().document).model


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    def write(raw: dict[str, Any]) -> Path:
        path = tmp_path / "world.yaml"
        path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        return path

    return write


def changed(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    raw = copy.deepcopy(MINIMAL)
    edit(raw)
    return raw


def test_the_shipped_world_has_a_default_tenant_a_second_one_and_credentials(
    model: ResourceModel,
) -> None:
    world = load_world(DEFAULT_WORLD_PATH, model=model)
    assert world.default_tenant == "main"
    assert [t.name for t in world.tenants][:1] == ["main"] and len(world.tenants) >= 2
    for tenant in world.tenants:
        assert sum(user.is_admin for user in tenant.users) == 1
        assert sum(not user.is_admin for user in tenant.users) >= 2
        assert tenant.authorization == f"Api-Key {tenant.api_key}"
        assert world.tenant_for_api_key(tenant.api_key) is tenant
        for user in tenant.users:
            assert user.authorization == f"Token {user.token}"
            assert world.user_for_token(user.token) == (tenant, user)
    assert world.user_for_token("nope") is None and world.tenant_for_api_key("nope") is None
    assert {"Mentor", "Disclaimer", "DisclaimerAgreement", "Course"} <= {
        f.resource for f in world.families
    }


def test_a_minimal_world_loads(write: Writer, model: ResourceModel) -> None:
    world = load_world(write(MINIMAL), model=model)
    assert isinstance(world, World)
    assert world.default_tenant == "acme"
    (tenant,) = world.tenants
    assert tenant.display_name == "acme" and tenant.admin.username == "root"
    (family,) = world.families
    assert (family.count_for(True), family.count_for(False)) == (2, 1)


def _drop_api_key(raw: dict[str, Any]) -> None:
    del raw["tenants"][0]["api_key"]


def _drop_email(raw: dict[str, Any]) -> None:
    del raw["tenants"][0]["users"][1]["email"]


def _drop_families(raw: dict[str, Any]) -> None:
    del raw["families"]


def _set_family(**values: Any) -> Callable[[dict[str, Any]], None]:
    def edit(raw: dict[str, Any]) -> None:
        raw["families"][0].update(values)

    return edit


def _set_user(index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def edit(raw: dict[str, Any]) -> None:
        raw["tenants"][0]["users"][index].update(values)

    return edit


def _set_top(**values: Any) -> Callable[[dict[str, Any]], None]:
    def edit(raw: dict[str, Any]) -> None:
        raw.update(values)

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_drop_api_key, "tenants[0]: missing key 'api_key'"),
        (_drop_email, "tenants[0].users[1]: missing key 'email'"),
        (_drop_families, "world: missing key 'families'"),
        (_set_top(colour="blue"), "world: unknown key 'colour'"),
        (_set_family(count=-1), "families[0].count: expected a whole number from 0 to 500"),
        (_set_family(count="3"), "families[0].count: expected a whole number"),
        (_set_family(count=True), "families[0].count: expected a whole number"),
        (_set_family(count={"admin": 1, "learner": 9999}), "families[0].count.learner"),
        (_set_family(count={"admin": 1}), "families[0].count: missing key 'learner'"),
        (
            _set_family(resource="Project", scope="tenant", count={"admin": 1, "learner": 1}),
            "families[0].count: a per-role count needs scope: user",
        ),
        (_set_family(scope="org"), "families[0].scope: expected one of user, tenant, global"),
        (_set_family(colour="blue"), "families[0]: unknown key 'colour'"),
        (_set_user(0, is_admin=False), "tenants[0].users: needs at least one user with is_admin"),
        (_set_user(1, username="root"), "tenants[0].users: duplicate username 'root'"),
        (_set_user(1, token="acme-root-token-1"), "tenants: duplicate user token"),
        (_set_user(1, email="nobody"), "tenants[0].users[1].email: 'nobody' is not an email"),
        (_set_user(1, is_admin="no"), "tenants[0].users[1].is_admin: expected true or false"),
        (_set_user(1, username="has space"), "tenants[0].users[1].username: 'has space'"),
        (_set_top(default_tenant="nowhere"), "default_tenant: 'nowhere' is not one of"),
        (_set_top(tenants=[]), "tenants: expected a non-empty list"),
    ],
)
def test_a_bad_world_names_the_key_and_the_problem(
    write: Writer, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(WorldError) as raised:
        load_world(write(changed(edit)))
    assert str(raised.value).startswith("world.yaml: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("family", "message"),
    [
        (
            {"resource": "Mentr", "scope": "user", "count": 1},
            "families[0].resource: unknown resource 'Mentr' (did you mean 'Mentor'?)",
        ),
        (
            {"resource": "Mentor", "scope": "tenant", "count": 1},
            "families[0].scope: Mentor has no tenant-scoped collection or singleton "
            "(it is kept in: user)",
        ),
        (
            {"resource": "CustomInstructionResponse", "scope": "user", "count": 2},
            "families[0].count: CustomInstructionResponse is a singleton",
        ),
        (
            {"resource": "Prompt", "scope": "user", "count": 1, "links": {"mentor": "Mentorr"}},
            "families[0].links.mentor: unknown resource 'Mentorr'",
        ),
    ],
)
def test_families_are_checked_against_the_resource_model(
    write: Writer, model: ResourceModel, family: dict[str, Any], message: str
) -> None:
    path = write(changed(lambda raw: raw.update(families=[family])))
    load_world(path)  # the file alone is well formed
    with pytest.raises(WorldError, match=r"^world\.yaml: ") as raised:
        load_world(path, model=model)
    assert message in str(raised.value)


def test_a_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match=r"absent\.yaml: cannot read the world file"):
        load_world(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tenants: [", encoding="utf-8")
    with pytest.raises(WorldError, match=r"broken\.yaml: cannot read the world file"):
        load_world(broken)
    listed = tmp_path / "listed.yaml"
    listed.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(WorldError, match=r"listed\.yaml: world: expected a mapping, got list"):
        load_world(listed)
