"""A JSON body the fast path accepts is one openapi-core accepts, and the other way round.

`ContractValidator.accept` checks a JSON body with the schema validator openapi-core would
build for it, built once per operation and media type, and hands openapi-core only the bodies
it refuses (to describe the problem). These tests hold the two to the same verdict on ordinary
bodies of every operation that takes JSON and on bodies with one field given an odd value.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.messages import MockRequest
from mock_server.spec import load_document
from mock_server.spec.index import Operation, OperationIndex
from mock_server.synthesis import Synthesizer
from mock_server.validation import ContractValidator
from mock_server.validation.adapters import OpenAPIRequest
from mock_server.validation.contract import _UNDECIDED, _accepted_json

JSON = "application/json"
HEADERS = {"content-type": JSON}


@functools.cache
def _setup() -> tuple[list[tuple[Operation, Any]], ContractValidator]:
    document = load_document().document
    synthesizer = Synthesizer(document)
    cases = []
    for operation in OperationIndex.from_document(document):
        content = (operation.request_body or {}).get("content", {})
        if "schema" in content.get(JSON, {}):
            body = synthesizer.value(
                content[JSON]["schema"], key=operation.operation_id, direction="request"
            )
            cases.append((operation, body))
    return cases, ContractValidator(document)


def _verdicts(operation: Operation, body: bytes) -> tuple[bool, bool]:
    """(fast path accepts, openapi-core accepts) for `body` sent as JSON to `operation`."""
    _, validator = _setup()
    validators = validator._for(operation)
    request = MockRequest(operation.method, operation.path, "http://t", {}, (), HEADERS, body)
    fast = _accepted_json(validators.json_body(JSON), request) is not _UNDECIDED
    core = not list(validators.body.iter_errors(OpenAPIRequest(request)))
    return fast, core


def test_every_ordinary_body_is_accepted_by_both() -> None:
    cases, _ = _setup()
    assert len(cases) > 300
    refused = [
        op.operation_id
        for op, body in cases
        if _verdicts(op, json.dumps(body).encode()) != (True, True)
    ]
    assert refused == []


_ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    # NaN and Infinity are parse errors to DRF, refused before either verdict is asked for.
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "2024-13-01T00:00:00Z", "2024-01-01T12:99", "2024-01-01", "x" * 300]),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def _bodies(draw: st.DrawFn) -> tuple[Operation, bytes]:
    cases, _ = _setup()
    operation, body = draw(st.sampled_from(cases))
    if isinstance(body, dict) and body and draw(st.booleans()):
        body = dict(body)
        body[draw(st.sampled_from(sorted(body)))] = draw(_ODD)
    elif draw(st.booleans()):
        body = draw(_ODD)
    return operation, json.dumps(body).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies())
def test_the_fast_path_and_openapi_core_agree(case: tuple[Operation, bytes]) -> None:
    operation, body = case
    fast, core = _verdicts(operation, body)
    assert fast == core


def test_a_body_that_is_not_json_is_left_to_openapi_core() -> None:
    cases, _ = _setup()
    operation, _ = cases[0]
    fast, core = _verdicts(operation, b"{not json")
    assert (fast, core) == (False, False)
