"""The control endpoints cannot be driven by a web page, and only the mock's own names answer.

A page open in the developer's browser may post to http://127.0.0.1:8000/__mock__/reset (a
form, a no-cors fetch) or rebind its own name to 127.0.0.1; neither may reach the mock's state.
Clients without an Origin (curl, tests, SDKs) keep working as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.app import MockApplication
from mock_server.edge import HostPolicy
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

EVIL = "https://attacker.example"
LISTED = "http://localhost:3000"
RESET, STATE, REQUESTS = "/__mock__/reset", "/__mock__/state", "/__mock__/requests"
CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/main/users/alice/custom-instruction/"
NEW_RECORD = CUSTOM_INSTRUCTION.replace("/alice/", "/reset-probe/")  # a user with none yet


@pytest.fixture(scope="module")
def app(mock_app: MockApplication) -> MockApplication:
    settings = Settings(control_origins=(LISTED,), allowed_hosts=("mock", ".corp.example"))
    return MockApplication(settings, loaded=mock_app.loaded)


@pytest.fixture(scope="module")
def control(app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(app.asgi)


@pytest.fixture
def written(control: ASGIClient) -> Iterator[int]:
    """A record written since the seeded world (a reset would drop it): the record count."""
    seeded = control.get(STATE).json()["records"]
    created = control.post(NEW_RECORD, json={"profession": "Cartographer"})
    assert created.status_code in (200, 201), created.text
    assert control.get(STATE).json()["records"] == seeded + 1
    yield seeded + 1
    assert control.post(RESET).status_code == 200


def _journaled(control: ASGIClient, path: str) -> dict[str, Any]:
    return next(e for e in control.get(REQUESTS).json()["results"] if e["path"] == path)


# --- control endpoints -------------------------------------------------------------------------


def test_a_foreign_origin_cannot_reset(control: ASGIClient, written: int) -> None:
    response = control.post(RESET, headers={"origin": EVIL})
    assert response.status_code == 403
    assert response.json() == {
        "detail": f"CSRF Failed: Origin checking failed - {EVIL} does not match any trusted "
        "origins. Pages of other origins may call /__mock__/ only when listed in "
        "--control-origins."
    }
    assert "access-control-allow-origin" not in response.headers
    assert control.get(STATE).json()["records"] == written  # nothing was reset
    assert _journaled(control, RESET)["status"] == 403


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_simple_form_post_cannot_reset_even_without_an_origin(
    control: ASGIClient, written: int, content_type: str
) -> None:
    response = control.post(RESET, content=b"a=1", headers={"content-type": content_type})
    assert response.status_code == 415
    assert response.json()["detail"].startswith(f'Unsupported media type "{content_type}"')
    assert "X-Mock-Control" in response.json()["detail"]
    assert control.get(STATE).json()["records"] == written


def test_a_multipart_post_needs_the_control_header(control: ASGIClient, written: int) -> None:
    files = {"f": ("a.txt", b"x")}
    assert control.post(RESET, files=files).status_code == 415
    assert control.get(STATE).json()["records"] == written
    assert control.post(RESET, files=files, headers={"x-mock-control": "1"}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl -X POST, the test suites, SDKs
        {"content-type": "application/json"},
        {"content-type": "text/plain", "x-mock-control": "1"},
        {"origin": "http://testserver"},  # the mock's own pages
    ],
)
def test_trusted_callers_still_reset(
    control: ASGIClient, written: int, headers: dict[str, str]
) -> None:
    body = b"{}" if "content-type" in headers else b""
    response = control.post(RESET, content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert control.get(STATE).json()["records"] < written


def test_a_foreign_preflight_is_refused_without_cors_headers(control: ASGIClient) -> None:
    response = control.request(
        "OPTIONS",
        RESET,
        headers={
            "origin": EVIL,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 403
    assert not any(name.startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize("origin", [EVIL, "null", "http://testserver.attacker.example"])
def test_foreign_pages_cannot_read_the_control_endpoints(control: ASGIClient, origin: str) -> None:
    for path in (STATE, REQUESTS):
        response = control.get(path, headers={"origin": origin})
        assert response.status_code == 403
        assert response.headers.get("access-control-allow-origin") is None


def test_a_cross_site_request_without_origin_is_refused(control: ASGIClient) -> None:
    response = control.get(STATE, headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 403
    assert control.get(STATE, headers={"sec-fetch-site": "same-origin"}).status_code == 200
    assert control.get(STATE, headers={"sec-fetch-site": "none"}).status_code == 200


def test_a_listed_origin_is_preflighted_and_answered_with_its_own_origin(
    control: ASGIClient, written: int
) -> None:
    preflight = control.request(
        "OPTIONS",
        RESET,
        headers={
            "origin": LISTED,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-mock-control",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == LISTED
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "x-mock-control" in allowed and "content-type" in allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = control.post(RESET, json={}, headers={"origin": LISTED})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == LISTED
    assert "origin" in response.headers["vary"].lower()


def test_the_control_endpoints_never_answer_with_wildcard_cors(control: ASGIClient) -> None:
    response = control.get(STATE, headers={"origin": LISTED})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == LISTED  # never "*"
    assert control.get(STATE).headers.get("access-control-allow-origin") is None


def test_the_api_keeps_its_open_cors(control: ASGIClient) -> None:
    preflight = control.request(
        "OPTIONS",
        CUSTOM_INSTRUCTION,
        headers={"origin": EVIL, "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == EVIL
    response = control.get(CUSTOM_INSTRUCTION, headers={"origin": EVIL})
    assert (response.status_code, response.headers["access-control-allow-origin"]) == (200, EVIL)


# --- Host names --------------------------------------------------------------------------------


def test_a_foreign_host_gets_djangos_400(control: ASGIClient) -> None:
    response = control.post(RESET, headers={"host": "attacker.example"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid HTTP_HOST header: 'attacker.example'. You may need to add "
        "'attacker.example' to --allowed-hosts."
    }
    with_port = control.get(CUSTOM_INSTRUCTION, headers={"host": "Attacker.Example:8000"})
    assert with_port.json() == {
        "detail": "Invalid HTTP_HOST header: 'Attacker.Example:8000'. You may need to add "
        "'attacker.example' to --allowed-hosts."
    }
    assert _journaled(control, CUSTOM_INSTRUCTION)["status"] == 400


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8000",
        "LOCALHOST.",
        "127.0.0.1:8000",
        "127.0.0.2",
        "[::1]:8000",
        "app.localhost:3000",
        "testserver",
        "mock:8000",  # --allowed-hosts mock
        "corp.example",  # --allowed-hosts .corp.example
        "api.corp.example",
    ],
)
def test_names_that_point_at_the_mock_are_answered(control: ASGIClient, host: str) -> None:
    response = control.get(CUSTOM_INSTRUCTION, headers={"host": host})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("host", ["localhost.attacker.example", "mock.evil", "10.0.0.7", "[::2]"])
def test_other_names_are_refused(control: ASGIClient, host: str) -> None:
    assert control.get(CUSTOM_INSTRUCTION, headers={"host": host}).status_code == 400


def test_a_malformed_host_is_refused_with_djangos_reason(control: ASGIClient) -> None:
    response = control.get(STATE, headers={"host": "bad_host!"})
    assert response.status_code == 400
    assert "is not valid according to RFC 1034/1035" in response.json()["detail"]


def test_host_policy_follows_the_bound_address_and_the_option() -> None:
    assert not HostPolicy("127.0.0.1").allows("192.168.1.5")
    assert HostPolicy("192.168.1.5").allows("192.168.1.5")
    assert not HostPolicy("192.168.1.5").allows("192.168.1.6")
    # Bound to every address: any IP literal names the mock (an IP literal cannot be rebound).
    assert HostPolicy("0.0.0.0").allows("192.168.1.6")
    assert not HostPolicy("0.0.0.0").allows("attacker.example")
    assert HostPolicy("myhost.lan").allows("myhost.lan")
    assert HostPolicy("127.0.0.1", ("*",)).refusal("attacker.example") is None
    assert HostPolicy("127.0.0.1").refusal(None) is None  # HTTP/1.0 sends none
