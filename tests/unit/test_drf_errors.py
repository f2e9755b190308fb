"""Refused requests are answered with Django REST Framework's statuses and wording.

A front end built against the real backend shows DRF's messages next to form fields; the mock
has to produce the same text, in the same shape, for the same mistakes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import pytest

from mock_server.app import MockApplication
from mock_server.messages import MockRequest
from mock_server.spec.index import Operation, OperationIndex, is_template_segment, resolve_ref
from mock_server.spec.index import segments as path_segments
from mock_server.validation import ContractValidator
from mock_server.validation.contract import RequestProblem

CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/{org}/users/{user_id}/custom-instruction/"
DISCLAIMER_AGREEMENTS = "/api/ai-mentor/orgs/{org}/users/{user_id}/disclaimer-agreements/"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def index(mock_app: MockApplication) -> OperationIndex:
    return mock_app.engine.index


@pytest.fixture(scope="module")
def validator(mock_app: MockApplication) -> ContractValidator:
    return mock_app.engine.validator


def _path_params(operation: Operation) -> dict[str, str]:
    values = {}
    for parameter in operation.parameters:
        if parameter.get("in") != "path":
            continue
        schema = parameter.get("schema", {})
        if schema.get("type") == "integer":
            values[parameter["name"]] = "7"
        elif schema.get("format") == "uuid":
            values[parameter["name"]] = "6f1c2a3e-8d4b-4c2a-9e1f-2b3c4d5e6f70"
        elif schema.get("pattern"):
            values[parameter["name"]] = "course-v1:Acme+CS101+2025_T1"
        else:
            values[parameter["name"]] = "acme" if parameter["name"] == "org" else "jdoe"
    return values


def request_for(
    operation: Operation,
    body: bytes = b"",
    content_type: str | None = JSON,
    query: tuple[tuple[str, str], ...] = (),
    path_params: Mapping[str, str] | None = None,
) -> MockRequest:
    params = dict(path_params or _path_params(operation))
    parts = [
        params[s[1:-1]] if is_template_segment(s) else s for s in path_segments(operation.path)
    ]
    return MockRequest(
        method=operation.method,
        path="/" + "/".join(parts) + "/",
        host_url="http://testserver",
        path_params=params,
        query=query,
        headers={"content-type": content_type} if content_type and body else {},
        body=body,
    )


def check(
    validator: ContractValidator,
    operation: Operation,
    body: Any,
    content_type: str = JSON,
    query: tuple[tuple[str, str], ...] = (),
) -> RequestProblem | None:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return validator.check_request(operation, request_for(operation, raw, content_type, query))


def test_wrong_type_is_a_valid_integer_is_required(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[DISCLAIMER_AGREEMENTS]["post"]
    for wrong in ("abc", 1.5, True, [3], {"id": 3}):
        problem = check(validator, operation, {"disclaimer": wrong})
        assert problem == RequestProblem(400, {"disclaimer": ["A valid integer is required."]}), (
            wrong
        )
    assert check(validator, operation, {"disclaimer": 3}) is None


def test_too_long_names_the_limit(validator: ContractValidator, index: OperationIndex) -> None:
    operation = index.by_path[CUSTOM_INSTRUCTION]["post"]
    problem = check(validator, operation, {"profession": "x" * 101})
    assert problem == RequestProblem(
        400, {"profession": ["Ensure this field has no more than 100 characters."]}
    )
    assert check(validator, operation, {"profession": "x" * 100}) is None


def test_missing_required_field_and_empty_body(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[DISCLAIMER_AGREEMENTS]["post"]
    expected = RequestProblem(400, {"disclaimer": ["This field is required."]})
    assert check(validator, operation, {}) == expected
    # DRF reads no body at all as an empty dictionary.
    assert validator.check_request(operation, request_for(operation, b"", None)) == expected


def test_read_only_required_fields_are_not_asked_of_the_client(
    validator: ContractValidator, index: OperationIndex
) -> None:
    # `id`, `user`, `agreed_at`... are required in the schema, but only in responses.
    operation = index.by_path[DISCLAIMER_AGREEMENTS]["post"]
    assert check(validator, operation, {"disclaimer": 3}) is None


def test_null_for_a_non_nullable_field_is_reported_once(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[CUSTOM_INSTRUCTION]["post"]
    problem = check(validator, operation, {"profession": None})
    assert problem == RequestProblem(400, {"profession": ["This field may not be null."]})
    assert check(validator, operation, {"about_user": None}) is None  # nullable: true


def test_malformed_json_is_a_json_parse_error(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[CUSTOM_INSTRUCTION]["post"]
    problem = check(validator, operation, b'{"profession": ')
    assert problem is not None
    assert problem.status == 400
    assert list(problem.body) == ["detail"]
    assert problem.body["detail"].startswith("JSON parse error - ")


@pytest.mark.parametrize(("body", "kind"), [(b"[1, 2]", "list"), (b'"text"', "str")])
def test_a_body_that_is_not_an_object_is_a_non_field_error(
    validator: ContractValidator, index: OperationIndex, body: bytes, kind: str
) -> None:
    operation = index.by_path[CUSTOM_INSTRUCTION]["post"]
    assert check(validator, operation, body) == RequestProblem(
        400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    )


def test_text_plain_is_unsupported_media_type(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[CUSTOM_INSTRUCTION]["post"]
    problem = check(validator, operation, b"profession=Nurse", "text/plain")
    assert problem == RequestProblem(
        415, {"detail": 'Unsupported media type "text/plain" in request.'}
    )


def test_bad_query_values_are_400_field_errors(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[DISCLAIMER_AGREEMENTS]["get"]

    def problem(*query: tuple[str, str]) -> RequestProblem | None:
        return validator.check_request(operation, request_for(operation, query=query))

    # `page` is the paginator's, which answers DRF's 404 rather than a field error.
    assert problem(("page", "two")) == RequestProblem(404, {"detail": "Invalid page."})
    assert problem(("disclaimer", "two")) == RequestProblem(
        400, {"disclaimer": ["A valid integer is required."]}
    )
    assert problem(("mentor_id", "nope")) == RequestProblem(
        400, {"mentor_id": ["Must be a valid UUID."]}
    )
    assert problem(("page", "2"), ("page_size", "10")) is None


def test_a_bad_integer_path_value_is_django_404(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = next(
        op
        for op in index
        if op.method == "get"
        and any(
            p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
            for p in op.parameters
        )
    )
    params = {
        name: ("not-a-number" if value == "7" else value)
        for name, value in _path_params(operation).items()
    }
    request = request_for(operation, path_params=params)
    assert validator.check_request(operation, request) == RequestProblem(
        404, {"detail": "Not found."}
    )


def test_form_and_scim_bodies_are_accepted_when_valid(
    validator: ContractValidator, index: OperationIndex
) -> None:
    instruction = index.by_path[CUSTOM_INSTRUCTION]["post"]
    agreement = index.by_path[DISCLAIMER_AGREEMENTS]["post"]
    assert check(validator, instruction, b"profession=Nurse&about_user=Likes+maths", FORM) is None
    assert check(validator, agreement, b"disclaimer=3", FORM) is None
    assert check(validator, instruction, {"profession": "Nurse"}, "application/scim+json") is None
    assert check(validator, instruction, {"profession": "Nurse"}, f"{JSON}; charset=utf-8") is None


def test_form_bodies_get_the_same_field_errors_as_json(
    validator: ContractValidator, index: OperationIndex
) -> None:
    instruction = index.by_path[CUSTOM_INSTRUCTION]["post"]
    agreement = index.by_path[DISCLAIMER_AGREEMENTS]["post"]
    assert check(validator, instruction, b"profession=" + b"x" * 101, FORM) == RequestProblem(
        400, {"profession": ["Ensure this field has no more than 100 characters."]}
    )
    assert check(validator, agreement, b"disclaimer=abc", FORM) == RequestProblem(
        400, {"disclaimer": ["A valid integer is required."]}
    )
    assert check(validator, instruction, {"profession": "x" * 101}, "application/scim+json") == (
        RequestProblem(400, {"profession": ["Ensure this field has no more than 100 characters."]})
    )


# -- the same rules over every POST of the document ------------------------------------------


def _writable_properties(
    mock_app: MockApplication, operation: Operation
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    body = operation.request_body
    media = (body or {}).get("content", {}).get(JSON)
    if not isinstance(media, Mapping) or "schema" not in media:
        return
    schema = resolve_ref(mock_app.loaded.document, media["schema"])
    if schema.get("type") != "object":
        return
    for name, prop in schema.get("properties", {}).items():
        resolved = resolve_ref(mock_app.loaded.document, prop)
        if not resolved.get("readOnly"):
            yield name, resolved


def _valid_body(mock_app: MockApplication, operation: Operation) -> dict[str, Any]:
    schema = operation.request_body["content"][JSON]["schema"]  # type: ignore[index]
    value = mock_app.engine.synthesizer.value(
        schema, key=f"drf|{operation.operation_id}", direction="request"
    )
    assert isinstance(value, dict)
    return value


def _required_query(mock_app: MockApplication, operation: Operation) -> tuple[tuple[str, str], ...]:
    query = []
    for parameter in operation.parameters:
        if parameter.get("in") == "query" and parameter.get("required"):
            value = mock_app.engine.synthesizer.value(
                parameter.get("schema", {}), key=parameter["name"], direction="request"
            )
            query.append((parameter["name"], str(value)))
    return tuple(query)


def _sweep(
    mock_app: MockApplication,
    validator: ContractValidator,
    wanted: Any,
) -> tuple[int, list[str]]:
    """Apply `wanted(name, schema)` -> (bad value, expected messages) | None to every POST field."""
    tried = 0
    failures: list[str] = []
    for operation in mock_app.engine.index:
        if operation.method != "post":
            continue
        for name, schema in _writable_properties(mock_app, operation):
            case = wanted(name, schema)
            if case is None:
                continue
            bad, messages = case
            body = _valid_body(mock_app, operation)
            query = _required_query(mock_app, operation)
            assert check(validator, operation, body, query=query) is None, operation.operation_id
            body[name] = bad
            problem = check(validator, operation, body, query=query)
            tried += 1
            if problem != RequestProblem(400, {name: messages}):
                failures.append(f"{operation.operation_id}.{name}={bad!r}: {problem}")
    return tried, failures


def test_every_enum_field_rejects_an_unknown_choice(
    mock_app: MockApplication, validator: ContractValidator
) -> None:
    def case(name: str, schema: Mapping[str, Any]) -> tuple[str, list[str]] | None:
        if "enum" not in schema or "x" in schema["enum"]:
            return None
        return "x", ['"x" is not a valid choice.']

    tried, failures = _sweep(mock_app, validator, case)
    assert tried == 18  # (operation, field) pairs in the document
    assert not failures, "\n".join(failures[:20])


def test_every_max_length_field_names_its_limit(
    mock_app: MockApplication, validator: ContractValidator
) -> None:
    def case(name: str, schema: Mapping[str, Any]) -> tuple[str, list[str]] | None:
        limit = schema.get("maxLength")
        if schema.get("type") != "string" or not isinstance(limit, int) or schema.get("format"):
            return None
        if "enum" in schema or "pattern" in schema:
            return None
        return "x" * (limit + 1), [f"Ensure this field has no more than {limit} characters."]

    tried, failures = _sweep(mock_app, validator, case)
    assert tried == 119
    assert not failures, "\n".join(failures[:20])


def test_every_integer_field_rejects_text(
    mock_app: MockApplication, validator: ContractValidator
) -> None:
    def case(name: str, schema: Mapping[str, Any]) -> tuple[str, list[str]] | None:
        if schema.get("type") != "integer":
            return None
        return "abc", ["A valid integer is required."]

    tried, failures = _sweep(mock_app, validator, case)
    assert tried == 129
    assert not failures, "\n".join(failures[:20])


def test_drf_problem_bodies_are_json_serialisable(
    validator: ContractValidator, index: OperationIndex
) -> None:
    operation = index.by_path[CUSTOM_INSTRUCTION]["post"]
    for body in (b"[", b"[]", b"{}", b'{"profession": 5}', b'{"mentor_tone": 5}'):
        problem = check(validator, operation, body)
        if problem is not None:
            json.dumps(problem.body)
            assert 400 <= problem.status < 500
