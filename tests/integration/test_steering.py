"""Steering through HTTP: `Prefer` (and its `__key` twins), overrides and chaos, in process.

Each steered answer is checked against the document (the app validates its own responses), a
steered error or replaced body leaves the store as it was, and steering nothing costs nothing:
the answer without a preference is the answer it always was. Faults, which need a real
connection to break, are in test_steering_faults.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.app import MockApplication
from mock_server.handlers.engine import RESPONSE_PROBLEMS_HEADER
from mock_server.messages import MockRequest
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"
LIST_PROJECTS = "ai_mentor_orgs_users_projects_list"
CREATE_PROJECT = "ai_mentor_orgs_users_projects_create"
NEW_PROJECT = {"name": "Steered project", "description": "made while steering"}


@pytest.fixture(scope="module")
def app(mock_app: MockApplication) -> MockApplication:
    return MockApplication(Settings(validate_responses=True), loaded=mock_app.loaded)


@pytest.fixture(scope="module")
def api(app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(app.asgi)


@pytest.fixture(autouse=True)
def clean(app: MockApplication) -> Iterator[None]:
    yield
    app.engine.overrides.clear()
    app.engine.chaos.reset()
    app.engine.session().store.reset()


def count(api: ASGIClient) -> int:
    answer = api.get(PROJECTS)
    assert answer.status_code == 200
    return int(answer.json()["count"])


def valid(answer: Any) -> Any:
    assert RESPONSE_PROBLEMS_HEADER not in answer.headers, answer.headers
    return answer


# Prefer and __key


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"detail": "Not found."}),
        (401, {"detail": "Authentication credentials were not provided."}),
        (403, {"detail": "You do not have permission to perform this action."}),
    ],
)
def test_prefer_code_answers_the_declared_error_in_drf_shape(
    api: ASGIClient, status: int, body: dict[str, str]
) -> None:
    for answer in (
        api.get(PROJECTS, headers={"Prefer": f"code={status}"}),
        api.get(PROJECTS, params={"__code": str(status)}),
    ):
        assert valid(answer).status_code == status
        assert answer.json() == body


def test_a_steered_400_names_a_real_field_and_creates_nothing(api: ASGIClient) -> None:
    before = count(api)
    answer = api.post(PROJECTS, json=NEW_PROJECT, headers={"Prefer": "code=400"})
    assert valid(answer).status_code == 400
    assert answer.json() == {"name": ["This field is required."]}  # the create's required field
    assert count(api) == before


def test_an_undeclared_code_is_refused_with_the_declared_ones(api: ASGIClient) -> None:
    answer = api.get(PROJECTS, headers={"Prefer": "code=418"})
    assert answer.status_code == 400
    (message,) = answer.json()["code"]
    assert "418 is not a declared response" in message and "200, 400, 401, 403, 404" in message


@pytest.mark.parametrize(
    ("prefer", "field"),
    [
        ("code=abc", "code"),
        ("dynamic=maybe", "dynamic"),
        ("delay=soon", "delay"),
        ("fault=x", "fault"),
    ],
)
def test_an_unreadable_preference_is_a_400_naming_it(
    api: ASGIClient, prefer: str, field: str
) -> None:
    answer = api.get(PROJECTS, headers={"Prefer": prefer})
    assert answer.status_code == 400
    assert field in answer.json()


def test_the_normal_code_and_unknown_preferences_change_nothing(api: ASGIClient) -> None:
    plain = api.get(PROJECTS)
    for headers in ({"Prefer": "code=200"}, {"Prefer": "return=minimal, respond-async"}):
        assert api.get(PROJECTS, headers=headers).content == plain.content
    # `__code` is taken out of the query: no filter and no validation sees it
    assert api.get(PROJECTS, params={"__code": "200"}).content == plain.content


def test_prefer_code_of_the_normal_status_still_creates(api: ASGIClient) -> None:
    before = count(api)
    answer = api.post(PROJECTS, json=NEW_PROJECT, headers={"Prefer": "code=201"})
    assert valid(answer).status_code == 201
    assert count(api) == before + 1


def test_prefer_example_answers_the_named_example(app: MockApplication, api: ASGIClient) -> None:
    operation = app.engine.index.by_id[LIST_PROJECTS]
    media = operation.responses["200"]["content"]["application/json"]
    (name,) = media["examples"]
    answer = api.get(PROJECTS, headers={"Prefer": f"example={name}"})
    assert answer.status_code == 200
    assert answer.json() == media["examples"][name]["value"]
    refused = api.get(PROJECTS, headers={"Prefer": "example=nope"})
    assert refused.status_code == 400 and name in refused.json()["example"][0]


def test_prefer_dynamic_makes_fresh_valid_data_and_stores_nothing(api: ASGIClient) -> None:
    seeded = api.get(PROJECTS)
    first = valid(api.get(PROJECTS, headers={"Prefer": "dynamic=true"}))
    second = valid(api.get(PROJECTS, headers={"Prefer": "dynamic=true"}))
    assert first.status_code == second.status_code == 200
    assert len({seeded.content, first.content, second.content}) == 3
    assert api.get(PROJECTS).content == seeded.content


def _planned(app: MockApplication, prefer: str) -> Any:
    """The engine's planned answer (its delay is what the adapter waits, not measured here)."""
    request = MockRequest(
        "get",
        PROJECTS,
        "http://testserver",
        {"org": "main", "user_id": "alice"},
        headers={"authorization": "Api-Key test-key", "prefer": prefer},
    )
    return app.engine.handle(LIST_PROJECTS, request)


def test_prefer_delay_plans_the_wait(app: MockApplication) -> None:
    assert _planned(app, "delay=250").delay == pytest.approx(0.25)
    waits = [_planned(app, "delay=100-300").delay for _ in range(50)]
    assert all(0.1 <= wait <= 0.3 for wait in waits) and len(set(waits)) > 1
    assert _planned(app, "code=404").delay == 0.0


# Overrides, installed on the engine's book (the control API's routes call the same book)


def test_an_override_patch_empties_a_list_and_names_itself(
    app: MockApplication, api: ASGIClient
) -> None:
    override = app.engine.overrides.add(
        {"operation": LIST_PROJECTS, "patch": {"count": 0, "results": []}}
    )
    answer = valid(api.get(PROJECTS))
    assert answer.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert answer.headers["X-Mock-Override"] == override.id
    other = api.get(PROJECTS.replace("/alice/", "/bob/"))
    assert other.json()["count"] == 0  # no match given: every request of the operation


def test_an_override_matches_by_path_and_query(app: MockApplication, api: ASGIClient) -> None:
    app.engine.overrides.add(
        {
            "operation": LIST_PROJECTS,
            "match": {"path": {"user_id": "alice"}, "query": {"search": "x"}},
            "status": 404,
        }
    )
    assert api.get(PROJECTS, params={"search": "x"}).status_code == 404
    assert api.get(PROJECTS, params={"search": "y"}).status_code == 200
    bobs = PROJECTS.replace("/alice/", "/bob/")
    assert api.get(bobs, params={"search": "x"}).status_code == 200


def test_a_sequence_drives_a_polling_flow_to_completion(
    app: MockApplication, api: ASGIClient
) -> None:
    pending = {"patch": {"count": 0, "results": []}}
    app.engine.overrides.add({"operation": LIST_PROJECTS, "sequence": [pending, pending, {}]})
    seen = []
    for _ in range(6):  # a client polls until the list fills
        seen.append(api.get(PROJECTS).json()["count"])
        if seen[-1]:
            break
    assert seen[:2] == [0, 0] and seen[2] > 0 and len(seen) == 3
    assert api.get(PROJECTS).json()["count"] == seen[2]  # the last entry answers from then on


def test_times_removes_the_override_once_spent(app: MockApplication, api: ASGIClient) -> None:
    app.engine.overrides.add({"operation": LIST_PROJECTS, "status": 403, "times": 2})
    statuses = [api.get(PROJECTS).status_code for _ in range(3)]
    assert statuses == [403, 403, 200]
    assert app.engine.overrides.list() == []


def test_an_override_body_replaces_the_answer_and_changes_no_state(
    app: MockApplication, api: ASGIClient
) -> None:
    before = count(api)
    made = api.post(PROJECTS, json=NEW_PROJECT).json()
    app.engine.overrides.add({"operation": CREATE_PROJECT, "status": 201, "body": made})
    answer = valid(api.post(PROJECTS, json={**NEW_PROJECT, "name": "another"}))
    assert answer.status_code == 201 and answer.json() == made
    assert count(api) == before + 1  # only the first create stored a record


def test_an_invalid_patched_answer_says_so(app: MockApplication, api: ASGIClient) -> None:
    app.engine.overrides.add({"operation": LIST_PROJECTS, "patch": {"count": "many"}})
    answer = api.get(PROJECTS)
    assert answer.status_code == 200
    assert "count" in answer.headers[RESPONSE_PROBLEMS_HEADER]


def test_an_allowed_invalid_body_carries_its_problems(
    app: MockApplication, api: ASGIClient
) -> None:
    app.engine.overrides.add(
        {"operation": LIST_PROJECTS, "body": {"count": "many"}, "allow_invalid": True}
    )
    answer = api.get(PROJECTS)
    assert answer.json() == {"count": "many"}
    assert RESPONSE_PROBLEMS_HEADER in answer.headers


def test_prefer_wins_over_an_override(app: MockApplication, api: ASGIClient) -> None:
    app.engine.overrides.add({"operation": LIST_PROJECTS, "status": 403})
    assert api.get(PROJECTS, headers={"Prefer": "code=404"}).status_code == 404


def test_a_lognormal_delay_has_the_asked_median(app: MockApplication) -> None:
    app.engine.overrides.add(
        {"operation": LIST_PROJECTS, "delay": {"lognormal": {"median": 200, "sigma": 0.5}}}
    )
    waits = [_planned(app, "return=minimal").delay for _ in range(200)]
    assert statistics.median(waits) == pytest.approx(0.2, rel=0.15)


# Chaos


def test_an_error_rate_of_one_fails_every_answer_and_stores_nothing(
    app: MockApplication, api: ASGIClient
) -> None:
    before = count(api)
    app.engine.chaos.update({"error_rate": 1.0})
    failed = api.post(PROJECTS, json=NEW_PROJECT)
    assert failed.status_code == 500  # the create declares no 5xx: Django's own page
    assert failed.headers["content-type"].startswith("text/html")
    assert "Server Error (500)" in failed.text
    app.engine.chaos.update({"error_rate": 0.0})
    assert count(api) == before


def test_chaos_latency_is_planned_on_every_answer(app: MockApplication) -> None:
    app.engine.chaos.update({"latency": "100-200"})
    waits = [_planned(app, "return=minimal").delay for _ in range(20)]
    assert all(0.1 <= wait <= 0.2 for wait in waits)


def test_settings_from_the_command_line_start_the_chaos(mock_app: MockApplication) -> None:
    chaotic = MockApplication(Settings(latency="50", error_rate=0.25), loaded=mock_app.loaded)
    assert chaotic.engine.chaos.to_json() == {"latency": {"fixed_ms": 50}, "error_rate": 0.25}


def test_cors_preflight_allows_prefer(api: ASGIClient) -> None:
    answer = api.request(
        "OPTIONS",
        PROJECTS,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "prefer, authorization",
        },
    )
    assert answer.status_code == 200
    assert "prefer" in answer.headers["access-control-allow-headers"].lower()
