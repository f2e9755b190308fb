"""schemathesis over every operation of the document against a running mock.

The four checks below must hold for every valid request the fuzzer can think of. The example
budget per operation is small by default so that `make test` stays within minutes; set
IBL_MOCK_CONTRACT_EXAMPLES (e.g. 50) for a deeper run (`make contract-deep`).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fuzzing import deterministic
from hypothesis import assume
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_server.spec import load_document

# Any key authenticates in the default mode; what schemathesis makes up for the header would not.
AUTHORIZATION = {"Authorization": "Api-Key contract-tests"}
EXAMPLES = int(os.environ.get("IBL_MOCK_CONTRACT_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# What the backend's parsers read. The document's `*/*` bodies are DRF's parser list rendered
# loosely; the mock, like the backend, answers other media types with a 415.
PARSED_MEDIA_TYPES = ("application/json", "application/scim+json", *FORM_MEDIA_TYPES)

_document = load_document().document
_config = SchemathesisConfig.from_dict({"generation": {"mode": "positive"}})
schema = schemathesis.openapi.from_dict(_document, config=_config)


def _sendable(case: Any) -> bool:
    """Whether the body schemathesis made can reach a server as the value it meant.

    The backend parses JSON, forms and multipart; the document's `*/*` bodies are DRF's parser
    list rendered loosely, and the mock, like the backend, answers other media types with a 415.
    A flat form carries only an object of scalars and lists of scalars: schemathesis sends a
    body that is an array, nested objects or lists of objects there as Python reprs, and empty
    lists or objects as nothing at all, which no server reads back as the value generated.
    """
    if case.media_type is None or case.media_type == "application/json":
        return True
    if case.media_type not in PARSED_MEDIA_TYPES:
        return False
    if case.media_type not in FORM_MEDIA_TYPES:
        return True
    if not isinstance(case.body, dict):
        return False
    return all(_flat(value) for value in case.body.values())


def _flat(value: Any) -> bool:
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return bool(value) and not any(isinstance(item, (dict, list)) for item in value)
    return True


pytestmark = pytest.mark.contract


@schema.parametrize()
@deterministic(EXAMPLES)
def test_operation_honours_the_contract(case: Any, mock_server_url: str) -> None:
    assume(_sendable(case))
    response = case.call(base_url=mock_server_url, headers=AUTHORIZATION)
    assert "X-Mock-Response-Problems" not in response.headers, response.headers[
        "X-Mock-Response-Problems"
    ]
    case.validate_response(response, checks=CHECKS)
