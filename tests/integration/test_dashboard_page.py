"""The dashboard's files at `/`, and `GET /__mock__/world`, which the dashboard draws from.

What the page does in a browser is tests/browser/test_dashboard.py's; here, in-process: what is
served, that it fetches nothing from elsewhere, and that the world answer is the world file's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from mock_server import dashboard
from mock_server.app import MockApplication
from mock_server.fixtures import DEFAULT_WORLD_PATH, load_world
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

FILES = (dashboard.PAGE, *dashboard.ASSETS)


@pytest.fixture(scope="module")
def app(mock_app: MockApplication) -> MockApplication:
    """An application of this module's own: browsing every list seeds scopes others count."""
    return MockApplication(Settings(), loaded=mock_app.loaded)


@pytest.fixture(scope="module")
def own(app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(app.asgi)


def test_the_page_is_served_at_the_root_with_its_assets(own: ASGIClient) -> None:
    page = own.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name, media_type in dashboard.ASSETS.items():
        assert f'"{dashboard.ASSET_PREFIX}{name}"' in page.text
        asset = own.get(dashboard.ASSET_PREFIX + name)
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(media_type)
        assert asset.content == dashboard.read(name)
    head = own.request("HEAD", "/")
    assert head.status_code == 200
    assert head.content == b""


def test_only_the_dashboards_files_are_served_under_its_prefix(own: ASGIClient) -> None:
    for name in ("__init__.py", "missing.js", "..%2F__init__.py"):
        assert own.get(dashboard.ASSET_PREFIX + name).status_code == 404


@pytest.mark.parametrize("name", FILES)
def test_the_dashboard_fetches_nothing_from_elsewhere(name: str) -> None:
    text = dashboard.read(name).decode()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)
    assert "innerHTML" not in text  # data goes in as text only


def test_the_world_names_every_tenant_user_and_credential(own: ASGIClient) -> None:
    answer = own.get("/__mock__/world")
    assert answer.status_code == 200
    world = answer.json()
    assert world["default_tenant"] == "main"
    assert world["auth"] == "any"
    expected = load_world(DEFAULT_WORLD_PATH)
    assert [t["name"] for t in world["tenants"]] == [t.name for t in expected.tenants]
    main = world["tenants"][0]
    assert main["authorization"] == "Api-Key main-platform-key-7c1e9a52"
    alice = next(user for user in main["users"] if user["username"] == "alice")
    assert alice == {
        "username": "alice",
        "id": 2,
        "email": "alice.johnson@main.example.com",
        "full_name": "Alice Johnson",
        "role": "learner",
        "token": "main-alice-token-91c4e7a0",
        "authorization": "Token main-alice-token-91c4e7a0",
    }


def test_each_list_path_of_the_world_is_a_list_of_that_resource(
    app: MockApplication, own: ASGIClient
) -> None:
    lists = own.get("/__mock__/world").json()["lists"]
    assert lists["DisclaimerAgreement"] == {
        "path": "/api/ai-mentor/orgs/main/users/admin/disclaimer-agreements/",
        "operation": "ai_mentor_orgs_users_disclaimer_agreements_list",
    }
    assert lists["PlatformApiKey"]["path"].endswith("?platform_key=main")  # a required query
    assert "CustomInstructionResponse" not in lists  # a singleton: no list to read
    seeded = own.get("/__mock__/state").json()["resources"]
    authorization = {"Authorization": "Api-Key main-platform-key-7c1e9a52"}
    for resource in seeded.keys() & lists.keys():
        answer = own.get(lists[resource]["path"], headers=authorization)
        assert answer.status_code == 200, (resource, answer.text)
        assert answer.headers["x-mock-operation-id"] == lists[resource]["operation"]
        role = app.engine.model.roles[lists[resource]["operation"]]
        assert role.resource == resource
