"""Authentication and permissions as DRF answers them, in the `any` and `fixtures` modes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.app import MockApplication
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

AGREEMENTS = "/api/ai-mentor/orgs/{org}/users/{user}/disclaimer-agreements/"
MAIN_KEY = "Api-Key main-platform-key-7c1e9a52"
ALICE = "Token main-alice-token-91c4e7a0"
ADMIN = "Token main-admin-token-3f8b2d61"


def _as(client: ASGIClient, authorization: str | None, url: str, method: str = "GET") -> Any:
    # An empty header stands for none: it overrides the test client's default key.
    return client.request(method, url, headers={"Authorization": authorization or ""})


def test_missing_credentials_are_drfs_401(client: ASGIClient) -> None:
    response = _as(client, None, AGREEMENTS.format(org="acme", user="bob"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response.headers["www-authenticate"] == "Api-Key"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Api-Key", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_malformed_credentials_are_drfs_401(client: ASGIClient, header: str, detail: str) -> None:
    response = _as(client, header, AGREEMENTS.format(org="acme", user="bob"))
    assert (response.status_code, response.json()) == (401, {"detail": detail})


@pytest.mark.parametrize("header", ["Api-Key anything-at-all", "Token whatever", "api-key lower"])
def test_any_mode_accepts_any_key_or_token(client: ASGIClient, header: str) -> None:
    assert _as(client, header, AGREEMENTS.format(org="acme", user="bob")).status_code == 200


def test_open_operations_need_no_credentials(mock_app: MockApplication, client: ASGIClient) -> None:
    open_get = next(
        op
        for op in mock_app.engine.index
        if op.method == "get" and op.security is None and "{" not in op.path
    )
    assert _as(client, None, open_get.path).status_code == 200


def test_a_refused_request_changes_nothing(mock_app: MockApplication, client: ASGIClient) -> None:
    url = AGREEMENTS.format(org="auth-test", user="bob")
    before = mock_app.engine.store.counts().get("DisclaimerAgreement", 0)
    refused = client.request("POST", url, json={"disclaimer": 1}, headers={"Authorization": ""})
    assert refused.status_code == 401
    assert mock_app.engine.store.counts().get("DisclaimerAgreement", 0) == before


@pytest.fixture(scope="module")
def strict(make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(MockApplication(Settings(auth="fixtures")).asgi)


@pytest.mark.parametrize(
    ("header", "org", "user", "status"),
    [
        (MAIN_KEY, "main", "alice", 200),  # the tenant's key reaches any of its users
        (MAIN_KEY, "northwind-academy", "nora", 403),  # not another tenant's
        ("Api-Key made-up-key-123", "main", "alice", 401),
        (ALICE, "main", "alice", 200),  # a learner reaches their own data
        (ALICE, "main", "bob", 403),  # not another user's
        (ADMIN, "main", "bob", 200),  # an admin reaches their tenant's users
        (ADMIN, "northwind-academy", "nora", 403),
        ("Token made-up-token-123", "main", "alice", 401),
    ],
)
def test_fixtures_mode_checks_keys_tokens_and_permissions(
    strict: ASGIClient, header: str, org: str, user: str, status: int
) -> None:
    response = _as(strict, header, AGREEMENTS.format(org=org, user=user))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json() == {"detail": "You do not have permission to perform this action."}
    if status == 401:
        assert response.json() == {"detail": "Invalid token."}
