"""Object permissions in `--auth fixtures`: callers reach only the records the platform shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.app import MockApplication
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

PROJECTS = "/api/ai-mentor/orgs/main/projects/"
COURSES = "/api/catalog/courses/"
MAIN_KEY = "Api-Key main-platform-key-7c1e9a52"
NORTHWIND_KEY = "Api-Key northwind-platform-key-2b9d4e80"
ADMIN = "Token main-admin-token-3f8b2d61"
ALICE = "Token main-alice-token-91c4e7a0"
BOB = "Token main-bob-token-5d2a8f13"
NOT_FOUND = {"detail": "Not found."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


@pytest.fixture(scope="module")
def strict(make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(MockApplication(Settings(auth="fixtures")).asgi)


def _as(client: ASGIClient, who: str, method: str, url: str, **kwargs: Any) -> Any:
    return client.request(method, url, headers={"Authorization": who}, **kwargs)


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [project["name"] for project in response.json()["results"]]


@pytest.fixture(scope="module")
def bobs_project(strict: ASGIClient) -> dict[str, Any]:
    created = _as(strict, BOB, "POST", PROJECTS, json={"name": "Bob's Capstone"})
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_learner_lists_only_their_own_projects_on_the_org_path(
    strict: ASGIClient, bobs_project: dict[str, Any]
) -> None:
    assert _names(_as(strict, BOB, "GET", PROJECTS)) == ["Bob's Capstone"]
    assert "Bob's Capstone" not in _names(_as(strict, ALICE, "GET", PROJECTS))
    admin_sees = _names(_as(strict, ADMIN, "GET", PROJECTS))
    assert "Bob's Capstone" in admin_sees and len(admin_sees) > 1  # the tenant's, seeded too


def test_what_a_learner_creates_on_the_org_path_is_theirs(
    strict: ASGIClient, bobs_project: dict[str, Any]
) -> None:
    assert bobs_project["owner_username"] == "bob"


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PATCH", {"name": "Renamed"}), ("DELETE", None)]
)
def test_another_users_project_is_drfs_404(
    strict: ASGIClient, bobs_project: dict[str, Any], method: str, body: Any
) -> None:
    url = f"{PROJECTS}{bobs_project['id']}/"
    refused = _as(strict, ALICE, method, url, json=body)
    assert (refused.status_code, refused.json()) == (404, NOT_FOUND)
    kept = _as(strict, BOB, "GET", url)
    assert (kept.status_code, kept.json()["name"]) == (200, "Bob's Capstone")


def test_the_owner_and_the_admin_change_it(strict: ASGIClient) -> None:
    created = _as(strict, BOB, "POST", PROJECTS, json={"name": "Draft"})
    url = f"{PROJECTS}{created.json()['id']}/"
    renamed = _as(strict, BOB, "PATCH", url, json={"name": "Final"})
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Final")
    assert _as(strict, ADMIN, "DELETE", url).status_code == 204
    assert _as(strict, BOB, "GET", url).status_code == 404


def test_a_learner_reads_but_does_not_change_the_tenants_records(strict: ASGIClient) -> None:
    templates = "/api/notification/v1/platforms/main/templates/"
    listed = _as(strict, ALICE, "GET", templates)
    assert listed.status_code == 200 and listed.json(), listed.text
    url = f"{templates}{listed.json()[0]['type']}/"
    refused = _as(strict, ALICE, "PATCH", url, json={})
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert _as(strict, ADMIN, "PATCH", url, json={}).status_code == 200


@pytest.mark.parametrize(
    ("who", "tenant"), [(MAIN_KEY, "main"), (NORTHWIND_KEY, "northwind-academy"), (ALICE, "main")]
)
def test_platform_wide_lists_show_the_callers_tenant_only(
    strict: ASGIClient, who: str, tenant: str
) -> None:
    response = _as(strict, who, "GET", COURSES)
    assert response.status_code == 200, response.text
    orgs = {course["org"] for course in response.json()}
    assert orgs == {tenant}


@pytest.mark.parametrize("path", ["/api/reports/platforms/{key}/", "/api/user-groups/orgs/{key}/"])
def test_a_generic_path_parameter_naming_a_tenant_is_checked(strict: ASGIClient, path: str) -> None:
    own = _as(strict, MAIN_KEY, "GET", path.format(key="main"))
    assert own.status_code == 200, own.text
    refused = _as(strict, MAIN_KEY, "GET", path.format(key="northwind-academy"))
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)


def test_any_mode_still_shows_every_record(client: ASGIClient) -> None:
    created = client.post("/api/ai-mentor/orgs/perm-any/projects/", json={"name": "Shared"})
    assert created.status_code == 201
    listed = client.get("/api/ai-mentor/orgs/perm-any/projects/", headers={"Authorization": BOB})
    assert listed.status_code == 200  # any token is an admin of any tenant there
    assert "Shared" in [project["name"] for project in listed.json()["results"]]
    courses = {course["org"] for course in client.get(COURSES).json()}
    assert {"main", "northwind-academy"} <= courses
