"""What the backend (DRF, django-filter) accepts though the schema forbids it, the mock accepts.

Each leniency the negative contract test allows (LENIENCIES in tests/contract/test_negative.py)
has a request here that shows it: the list is held to what the mock does, not a blanket ignore.
The cases below also hold the test's reading of schemathesis's cases to what each leniency
names: a leniency excuses that part of a case, never a neighbouring one.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import (
    CaseMetadata,
    CoverageScenario,
    GenerationInfo,
    PhaseInfo,
)

from mock_server.spec import load_document

CONTRACT = Path(__file__).parents[1] / "contract"
LIST = "/api/ai-mentor/orgs/main/mentors/m/email-inbox/"  # page and page_size: optional integers
SEARCH = "/api/search/prompts/"  # sort_by: an optional string of minLength 1
# course_id: a required string of minLength 1; platform_org: an optional one
REQUEST_ACCESS = "/api/catalog/access_requests/course/request/"
INSTITUTION = "/api/career/orgs/main/institutions/users/alice/"  # website: a nullable uri

# kind -> (method, url, keyword arguments) of a request the schema forbids and DRF accepts
SHOWN: dict[str, tuple[str, str, dict[str, Any]]] = {
    "undeclared query parameter": ("GET", LIST + "?no_such_filter=%7B%7D", {}),
    "empty optional query value": ("GET", SEARCH + "?sort_by=", {}),
    "number for a string field": (
        "POST",
        "/api/ai-mentor/orgs/main/users/alice/sessions/",
        {"json": {"mentor": -40802853714}},
    ),
    "changed type in a form body": (
        "POST",
        "/api/ai-prompt/orgs/main/users/alice/prompt/",
        {
            "files": {
                "prompt": (None, "Quiz me"),
                "platform": (None, "-580"),
                "category": (None, "True"),
            }
        },
    ),
    "empty value for a nullable form field": (
        "PUT",
        INSTITUTION,
        {"files": {"name": (None, "Hill College"), "website": (None, "")}},
    ),
}


@functools.cache
def _negative() -> ModuleType:
    sys.path[:0] = [str(CONTRACT)]
    try:
        spec = importlib.util.spec_from_file_location("negative", CONTRACT / "test_negative.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(CONTRACT))
        sys.modules.pop("negative", None)
    return module


def test_every_allowed_leniency_is_shown_here() -> None:
    assert {leniency.kind for leniency in _negative().LENIENCIES} == set(SHOWN)


@pytest.mark.parametrize("kind", sorted(SHOWN))
def test_the_mock_accepts_what_drf_accepts(client: Any, kind: str) -> None:
    method, url, options = SHOWN[kind]
    response = client.request(method, url, **options)
    assert response.status_code in (200, 201), response.text


def test_an_empty_page_size_is_the_default_page(client: Any) -> None:
    assert client.get(LIST + "?page_size=").status_code == 200


def test_a_repeated_query_parameter_is_judged_by_its_last_value(client: Any) -> None:
    # Django's QueryDict hands a view the last value of a repeated name.
    refused = client.get(LIST + "?page_size=3&page_size=abc")
    assert refused.status_code == 400
    assert refused.json() == {"page_size": ["A valid integer is required."]}
    assert client.get(LIST + "?page_size=abc&page_size=3").status_code == 200
    assert client.get(LIST + "?page_size=abc&page_size=").status_code == 200


def test_a_number_for_a_nested_string_field_is_its_text(client: Any) -> None:
    # The leniency holds at any depth: a list's items, a nested object's fields.
    roles = "/api/core/rbac/roles/"
    accepted = client.post(roles, json={"name": "r", "platform_key": "main", "data_actions": [0]})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["data_actions"] == ["0"]
    refused = client.post(roles, json={"name": "r", "platform_key": "main", "data_actions": [True]})
    assert refused.status_code == 400, refused.text


def test_an_empty_required_query_value_is_refused(client: Any) -> None:
    # The bound of "empty optional query value": a required name sent empty is not ignored.
    refused = client.get(REQUEST_ACCESS + "?course_id=")
    assert refused.status_code == 400
    assert refused.json() == {"course_id": ["This field is required."]}


def test_an_empty_nullable_value_is_null_only_in_a_form(client: Any) -> None:
    # DRF turns `website=` into null only in a form; in JSON "" is still no URI.
    method, url, options = SHOWN["empty value for a nullable form field"]
    accepted = client.request(method, url, **options)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["website"] is None
    refused = client.request(method, url, json={"name": "Hill College", "website": ""})
    assert refused.status_code == 400
    assert set(refused.json()) == {"website"}


@functools.cache
def _schema() -> Any:
    return schemathesis.openapi.from_dict(load_document().document)


def _operation(path: str, method: str) -> Any:
    return _schema()[path][method]


def _coverage_case(
    path: str,
    method: str,
    scenario: CoverageScenario,
    *,
    parameter: str,
    location: ParameterLocation,
    pointer: str | None = None,
    **values: Any,
) -> Any:
    """A case as schemathesis's coverage phase makes it: no mutations, one named part."""
    phase = PhaseInfo.coverage(
        scenario, "one part made invalid", pointer, parameter, parameter_location=location
    )
    generation = GenerationInfo(time=0.0, mode=GenerationMode.NEGATIVE)
    meta = CaseMetadata(generation=generation, components={}, phase=phase)
    return _operation(path, method).Case(_meta=meta, **values)


def test_an_empty_optional_query_value_of_a_coverage_case_is_excused() -> None:
    # The case that failed on the analytics "over time" operations: `?start_date=`.
    case = _coverage_case(
        "/api/ai-analytics/audience/orgs/{org}/active-users/over-time",
        "GET",
        CoverageScenario.STRING_BELOW_MIN_LENGTH,
        parameter="start_date",
        location=ParameterLocation.QUERY,
        query={"start_date": ""},
    )
    assert _negative().unexcused(case, [("start_date", "")]) == []


def test_an_empty_required_query_value_of_a_coverage_case_is_not_excused() -> None:
    case = _coverage_case(
        REQUEST_ACCESS,
        "GET",
        CoverageScenario.STRING_BELOW_MIN_LENGTH,
        parameter="course_id",
        location=ParameterLocation.QUERY,
        query={"course_id": ""},
    )
    remaining = _negative().unexcused(case, [("course_id", "")])
    assert [part.parameter for part in remaining] == ["course_id"]


def test_an_optional_query_value_sent_non_empty_is_not_excused() -> None:
    # What reached the server decides: a value that is there is filtered on, so judged.
    case = _coverage_case(
        REQUEST_ACCESS,
        "GET",
        CoverageScenario.INCORRECT_TYPE,
        parameter="platform_org",
        location=ParameterLocation.QUERY,
        query={"course_id": "c", "platform_org": "{}"},
    )
    query = [("course_id", "c"), ("platform_org", "{}")]
    assert [part.parameter for part in _negative().unexcused(case, query)] == ["platform_org"]


REDEEM = "/api/catalog/invitations/course/redeem/"  # username: a string in a JSON body


@pytest.mark.parametrize(("value", "excused"), [(0, True), (1.5, True), (True, False), ([], False)])
def test_a_coverage_case_with_another_type_in_a_json_body(value: Any, excused: bool) -> None:
    # CharField keeps str() of a number; a boolean or a list is "Not a valid string.".
    case = _coverage_case(
        REDEEM,
        "POST",
        CoverageScenario.INCORRECT_TYPE,
        parameter="application/json",
        location=ParameterLocation.BODY,
        pointer="/properties/username/type",
        body={"email": "a@example.com", "username": value},
        media_type="application/json",
    )
    names = [part.parameter for part in _negative().unexcused(case, [])]
    assert names == ([] if excused else ["username"])


QUIZ = "/api/ai-mentor/orgs/{org}/quiz-customizer/"
# initial_questions: a list of questions, each with a list of answers, each with a string text
ANSWER_TEXT = (
    "/properties/initial_questions/items/properties/possible_answers/items/properties/text"
)


@pytest.mark.parametrize(("value", "excused"), [(0, True), (False, False), ({}, False)])
def test_a_coverage_case_with_another_type_deep_in_a_json_body(value: Any, excused: bool) -> None:
    # A CharField keeps str() of a number at any depth (a ListField's child, a nested serializer).
    answers = [{"text": "Supervised"}, {"text": value}]
    case = _coverage_case(
        QUIZ,
        "POST",
        CoverageScenario.INCORRECT_TYPE,
        parameter="application/json",
        location=ParameterLocation.BODY,
        pointer=ANSWER_TEXT + "/type",
        body={"username": "alice", "initial_questions": [{"possible_answers": answers}]},
        media_type="application/json",
    )
    names = [part.parameter for part in _negative().unexcused(case, [])]
    assert names == ([] if excused else ["initial_questions"])


def test_a_coverage_case_pointing_where_the_test_does_not_read_counts_whole() -> None:
    # A pointer through a keyword the test does not follow: the whole case stays one to refuse.
    case = _coverage_case(
        REDEEM,
        "POST",
        CoverageScenario.INCORRECT_TYPE,
        parameter="application/json",
        location=ParameterLocation.BODY,
        pointer="/properties/metadata/additionalProperties/type",
        body={"email": "a@example.com", "metadata": {"x": 0}},
        media_type="application/json",
    )
    assert _negative().unexcused(case, []) is None


@pytest.mark.parametrize(("website", "excused"), [("", True), ("not a uri", False)])
def test_an_empty_nullable_form_value_of_a_coverage_case(website: str, excused: bool) -> None:
    case = _coverage_case(
        "/api/career/orgs/{org}/institutions/users/{username}/",
        "PUT",
        CoverageScenario.INVALID_FORMAT,
        parameter="multipart/form-data",
        location=ParameterLocation.BODY,
        pointer="/properties/website/anyOf/0/format",
        body={"name": "Hill College", "website": website},
        media_type="multipart/form-data",
    )
    names = [part.parameter for part in _negative().unexcused(case, [])]
    assert names == ([] if excused else ["website"])
