"""The HTTP surface around the operations: CORS, the document, docs, Django-like errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
import pytest
import yaml

from mock_server.app import SERVER_NOTE, MockApplication
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/main/users/alice/custom-instruction/"
RETRIEVE = "ai_mentor_orgs_users_custom_instruction_retrieve"
# A computed answer (no stored record behind it): its body comes straight from synthesis.
VIEW = "/api/ai-account/orgs/acme/masked-llm-credential/"
ORIGIN = "https://app.example.com"


def test_cors_preflight_allows_any_origin_and_the_authorization_header(
    client: ASGIClient,
) -> None:
    response = client.request(
        "OPTIONS",
        CUSTOM_INSTRUCTION,
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "POST" in response.headers["access-control-allow-methods"]


def test_cross_origin_get_is_readable_with_the_mock_headers(client: ASGIClient) -> None:
    response = client.get(CUSTOM_INSTRUCTION, headers={"origin": ORIGIN})
    assert response.status_code == 200
    # reflected with credentials allowed, never "*": a credentialed fetch refuses a wildcard
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "origin" in response.headers["vary"].lower()
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-mock-operation-id" in exposed


def test_openapi_json_is_the_patched_document(
    mock_app: MockApplication, client: ASGIClient
) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    served = orjson.loads(response.content)
    assert len(served["paths"]) == 797
    # the mock's own origin is the only server, so "Try it out" never calls production
    assert [server["url"] for server in served["servers"]] == ["http://testserver"]
    assert served == {**mock_app.loaded.document, "servers": served["servers"]}
    # The patch dropped the default that made the published document invalid.
    search = served["paths"]["/api/catalog/search/programs/"]["post"]["parameters"]
    assert all("default" not in p.get("schema", {}) for p in search)


def test_openapi_yaml_is_the_same_document(mock_app: MockApplication, client: ASGIClient) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert "yaml" in response.headers["content-type"]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    served = yaml.load(response.content, Loader=loader)
    assert served == {**mock_app.loaded.document, "servers": served["servers"]}
    assert served["servers"][0]["url"] == "http://testserver"


def test_docs_serve_swagger_ui_on_the_served_document(client: ASGIClient) -> None:
    page = client.get("/docs/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Swagger UI</title>" in page.text
    assert 'url: "/openapi.json"' in page.text
    config = client.get("/docs/swagger-ui-config.json").json()
    # collapsed by tag: the page draws tag headers, not 1,193 operations
    assert (config["docExpansion"], config["defaultModelsExpandDepth"]) == ("none", -1)
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.content) > 100_000


def test_unknown_path_is_drf_404(client: ASGIClient) -> None:
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_wrong_method_on_known_path_is_405_with_allow(client: ASGIClient) -> None:
    response = client.request("PATCH", CUSTOM_INSTRUCTION)
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PATCH" not allowed.'}
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST", "PUT"} <= allowed
    assert "PATCH" not in allowed


def test_get_without_trailing_slash_redirects_like_append_slash(client: ASGIClient) -> None:
    response = client.get(CUSTOM_INSTRUCTION.rstrip("/") + "?a=1&b=two")
    assert response.status_code == 301
    assert response.headers["location"] == CUSTOM_INSTRUCTION + "?a=1&b=two"


def test_redirect_keeps_percent_encoded_segments(client: ASGIClient) -> None:
    encoded = CUSTOM_INSTRUCTION.replace("/acme/", "/ac%20me/").rstrip("/")
    response = client.get(encoded)
    assert response.status_code == 301
    assert response.headers["location"] == encoded + "/"


def test_redirect_keeps_an_encoded_percent_sign(client: ASGIClient) -> None:
    encoded = CUSTOM_INSTRUCTION.replace("/acme/", "/%2541/").rstrip("/")
    response = client.get(encoded)
    assert response.status_code == 301
    assert response.headers["location"] == encoded + "/"


def test_path_without_slash_that_exists_nowhere_is_404_not_a_redirect(client: ASGIClient) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404


def test_head_on_a_get_path_answers_200(client: ASGIClient) -> None:
    response = client.request("HEAD", CUSTOM_INSTRUCTION)
    assert response.status_code == 200, response.text
    assert response.headers["x-mock-operation-id"] == RETRIEVE


def test_options_on_a_known_path_is_allowed_as_advertised(client: ASGIClient) -> None:
    advertised = client.request("PATCH", CUSTOM_INSTRUCTION).headers["allow"]
    assert "OPTIONS" in advertised
    response = client.request("OPTIONS", CUSTOM_INSTRUCTION)
    assert response.status_code == 200
    assert "GET" in response.headers.get("allow", "")


def test_invalid_request_is_4xx_and_names_the_operation(client: ASGIClient) -> None:
    response = client.request(
        "POST", CUSTOM_INSTRUCTION, content=b'{"profession": ', headers={"content-type": "x/y"}
    )
    assert 400 <= response.status_code < 500
    assert (
        response.headers["x-mock-operation-id"] == "ai_mentor_orgs_users_custom_instruction_create"
    )
    response = client.post(CUSTOM_INSTRUCTION, json={"profession": "x" * 101})
    assert response.status_code == 400
    assert (
        response.headers["x-mock-operation-id"] == "ai_mentor_orgs_users_custom_instruction_create"
    )
    assert response.json() == {"profession": ["Ensure this field has no more than 100 characters."]}


@pytest.fixture(scope="module")
def validating_app(mock_app: MockApplication) -> MockApplication:
    return MockApplication(Settings(validate_responses=True), loaded=mock_app.loaded)


@pytest.fixture(scope="module")
def validating_client(
    validating_app: MockApplication, make_client: Callable[[Any], ASGIClient]
) -> ASGIClient:
    return make_client(validating_app.asgi)


def test_validate_responses_stays_quiet_on_a_correct_answer(
    validating_client: ASGIClient,
) -> None:
    response = validating_client.get(CUSTOM_INSTRUCTION)
    assert response.status_code == 200
    assert "x-mock-response-problems" not in response.headers


def test_validate_responses_reports_a_wrong_answer_in_a_header(
    validating_app: MockApplication,
    validating_client: ASGIClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong_body(*args: Any, **kwargs: Any) -> Any:
        return ["not", "an", "object"]

    monkeypatch.setattr(validating_app.engine.synthesizer, "body", wrong_body)
    # A synthesized (not stored) answer, on a path this app has not answered yet, so no
    # cached body stands in for the wrong one.
    response = validating_client.get(VIEW.replace("/acme/", "/wrong-body-org/"))
    assert response.status_code == 200
    assert response.json() == ["not", "an", "object"]
    problems = response.headers["x-mock-response-problems"]
    assert problems.startswith("1: <body>: ")
    assert "object" in problems


def test_without_validate_responses_a_wrong_answer_goes_unreported(
    mock_app: MockApplication, client: ASGIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mock_app.engine.synthesizer, "body", lambda *a, **k: ["x"])
    response = client.get(VIEW.replace("/acme/", "/unchecked-org/"))
    assert response.json() == ["x"]
    assert "x-mock-response-problems" not in response.headers


def test_a_browser_gets_djangos_html_404(client: ASGIClient) -> None:
    response = client.get("/no/such/page/", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in response.text


def test_a_bad_page_number_is_drfs_invalid_page(client: ASGIClient) -> None:
    response = client.get(
        "/api/ai-mentor/orgs/acme/users/jdoe/disclaimer-agreements/", params={"page": "x"}
    )
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


def test_undeclared_query_parameters_are_ignored_unless_strict(
    mock_app: MockApplication, client: ASGIClient, make_client: Callable[[Any], ASGIClient]
) -> None:
    url = "/api/ai-mentor/orgs/acme/users/jdoe/disclaimer-agreements/"
    assert client.get(url, params={"pgae": "2"}).status_code == 200
    strict = make_client(MockApplication(Settings(strict=True), loaded=mock_app.loaded).asgi)
    response = strict.get(url, params={"pgae": "2", "page": "1"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": 'Unknown query parameter(s): "pgae".'},
    )


def test_the_journal_lists_recent_requests_newest_first(client: ASGIClient) -> None:
    client.post(CUSTOM_INSTRUCTION, json={"profession": "x" * 101})
    client.get("/no/such/thing/")
    entries = client.get("/__mock__/requests").json()["results"]
    unrouted, refused = entries[0], entries[1]
    assert (unrouted["path"], unrouted["status"], unrouted["operation"]) == (
        "/no/such/thing/",
        404,
        None,
    )
    assert refused["operation"] == "ai_mentor_orgs_users_custom_instruction_create"
    assert refused["status"] == 400
    assert refused["problems"] == ["profession: Ensure this field has no more than 100 characters."]


def test_a_bad_query_value_is_a_400_the_served_document_declares(client: ASGIClient) -> None:
    # A uuid filter sent an integer id, as links between answers do.
    template = "/api/ai-mentor/orgs/{org}/users/{user_id}/periodic-agents/statistics/"
    response = client.get(template.format(org="main", user_id="admin") + "?mentor_id=457")
    assert response.status_code == 400
    assert list(response.json()) == ["mentor_id"]
    served = client.get("/openapi.json").json()
    assert "400" in served["paths"][template]["get"]["responses"]


def test_the_served_yaml_names_the_asking_host(client: ASGIClient) -> None:
    served = yaml.safe_load(client.get("/openapi.yaml", headers={"host": "localhost:9001"}).text)
    assert served["servers"] == [
        {"url": "http://localhost:9001", "description": SERVER_NOTE},
    ]


def test_cors_origins_restricts_the_api(
    mock_app: MockApplication, make_client: Callable[[Any], ASGIClient]
) -> None:
    restricted = make_client(
        MockApplication(Settings(cors_origins=(ORIGIN,)), loaded=mock_app.loaded).asgi
    )
    allowed = restricted.get(CUSTOM_INSTRUCTION, headers={"origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    other = restricted.get(CUSTOM_INSTRUCTION, headers={"origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_a_tags_document_holds_its_operations_and_every_schema_they_reach(
    client: ASGIClient,
) -> None:
    from openapi_spec_validator import validate

    whole = client.get("/openapi.json").json()
    part = client.get("/openapi.json", params={"tag": "career"})
    assert part.status_code == 200
    document = part.json()
    validate(document)  # every $ref resolves within it
    tagged = {
        (path, method)
        for path, item in whole["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "career" in operation.get("tags", ())
    }
    kept = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert kept == tagged and len(kept) == 27
    assert len(document["components"]["schemas"]) < len(whole["components"]["schemas"]) / 4
    assert document["servers"] == whole["servers"]
    assert client.get("/openapi.json", params={"tag": "no-such"}).status_code == 404
