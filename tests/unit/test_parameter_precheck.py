"""The parameter precheck only says yes where openapi-core would, on the whole document.

`ContractValidator` skips openapi-core's parameter validation (milliseconds a request) when the
operation's `ParameterPrecheck` accepts the request. These tests hold the precheck to that:
whatever it accepts, openapi-core finds nothing wrong with; and it accepts the ordinary
requests of nearly every operation, or it would save nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.messages import MockRequest
from mock_server.spec import load_document
from mock_server.spec.index import Operation, OperationIndex
from mock_server.validation import ContractValidator
from mock_server.validation.adapters import OpenAPIRequest
from mock_server.validation.parameters import ParameterPrecheck

UUID = "6f1c2a3e-8d4b-4c2a-9e1f-2b3c4d5e6f70"
COURSE_ID = "course-v1:Acme+CS101+2025_T1"


@functools.cache
def _setup() -> tuple[list[Operation], ContractValidator]:
    document = load_document().document
    return list(OperationIndex.from_document(document)), ContractValidator(document)


def _openapi_core_errors(operation: Operation, path: dict[str, str], query: list[Any]) -> list:
    _, validator = _setup()
    request = MockRequest(operation.method, operation.path, "http://t", path, tuple(query))
    return list(validator._for(operation).parameters.iter_errors(OpenAPIRequest(request)))


def _ordinary(schema: Mapping[str, Any]) -> str:
    """A value a client would ordinarily send for `schema`."""
    schema = schema.get("items", schema) if schema.get("type") == "array" else schema
    if "enum" in schema:
        return str(schema["enum"][0])
    kind = schema.get("type", "string")
    if kind in ("integer", "number"):
        return str(schema.get("minimum", 3))
    if kind == "boolean":
        return "true"
    if schema.get("format") == "uuid":
        return UUID
    if schema.get("format") == "date":
        return "2025-01-31"
    if schema.get("format") == "date-time":
        return "2025-01-31T10:00:00Z"
    if schema.get("format") == "email":
        return "ada@example.com"
    return COURSE_ID if "pattern" in schema and ":" in schema["pattern"] else "value"


def _ordinary_request(operation: Operation) -> tuple[dict[str, str], list[tuple[str, str]]]:
    path, query = {}, []
    for parameter in operation.parameters:
        value = _ordinary(parameter.get("schema", {}))
        if parameter["in"] == "path":
            path[parameter["name"]] = value
        else:
            query.append((parameter["name"], value))
    return path, query


def test_ordinary_requests_are_accepted_and_openapi_core_agrees() -> None:
    operations, _ = _setup()
    accepted = 0
    for operation in operations:
        path, query = _ordinary_request(operation)
        assert not _openapi_core_errors(operation, path, query), operation.operation_id
        accepted += ParameterPrecheck(operation).accepts(path, query)
    # Those left to openapi-core send a date, a date-time or an e-mail address in the query.
    assert accepted >= 1100, accepted


_AWKWARD = st.sampled_from(["", "0", "-1", "1.5", "true", "True", "abc", UUID, UUID.upper(),
                            COURSE_ID, "x" * 300, " 1", "1e3", "null", "∆"])  # fmt: skip


@st.composite
def _requests(draw: st.DrawFn) -> tuple[Operation, dict[str, str], list[tuple[str, str]]]:
    """An ordinary request of a random operation, with one parameter given odd values."""
    operations, _ = _setup()
    operation = draw(st.sampled_from([op for op in operations if op.parameters]))
    odd = draw(st.sampled_from(operation.parameters))["name"]
    path, query = {}, []
    for parameter in operation.parameters:
        values = [_ordinary(parameter.get("schema", {}))]
        if parameter["name"] == odd:
            odd_value = st.one_of(_AWKWARD, st.text(max_size=8))
            values = draw(st.lists(odd_value, min_size=1, max_size=2))
        if parameter["in"] == "path":
            path[parameter["name"]] = values[0]
        elif parameter["name"] == odd or parameter.get("required") or draw(st.booleans()):
            query.extend((parameter["name"], v) for v in values)
    return operation, path, query


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_requests())
def test_what_the_precheck_accepts_openapi_core_accepts(
    case: tuple[Operation, dict[str, str], list[tuple[str, str]]],
) -> None:
    operation, path, query = case
    if ParameterPrecheck(operation).accepts(path, query):
        assert not _openapi_core_errors(operation, path, query)


def test_a_parameter_it_cannot_check_is_referred_only_when_sent() -> None:
    date = {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}}
    precheck = ParameterPrecheck(Operation("x", "get", "/x/", {}, (date,)))
    assert precheck.accepts({}, [])
    assert not precheck.accepts({}, [("since", "2025-01-31")])


@pytest.mark.parametrize(
    ("schema", "refused"),
    [
        ({"type": "integer"}, ["abc", "1.5", " 1", ""]),
        ({"type": "integer", "minimum": 1, "maximum": 100}, ["0", "101"]),
        ({"type": "boolean"}, ["yes", "True", "1"]),
        ({"type": "string", "minLength": 1}, [""]),
        ({"type": "string", "enum": ["asc", "desc"]}, ["ASC", "up"]),
        ({"type": "string", "format": "uuid"}, ["not-a-uuid", UUID[:-1]]),
        ({"type": "string", "pattern": "^course-v1:.+$"}, ["course-v2:x"]),
    ],
)
def test_values_outside_the_schema_are_left_to_openapi_core(
    schema: dict[str, Any], refused: list[str]
) -> None:
    operation = Operation("x", "get", "/x/", {}, ({"name": "q", "in": "query", "schema": schema},))
    precheck = ParameterPrecheck(operation)
    assert precheck.usable
    for value in refused:
        assert not precheck.accepts({}, [("q", value)]), value
