"""schemathesis over the control document (control.yaml) against an in-process mock.

The control API is a contract of its own: every valid request schemathesis makes of it must
get an answer the document declares, in the declared media type and schema. The mock is this
module's own (never the shared contract server): these requests reset and restore its store.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fuzzing import deterministic
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mock_server.admin.document import load_control_document
from mock_server.app import MockApplication
from mock_server.settings import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 4

_config = SchemathesisConfig.from_dict({"generation": {"mode": "positive"}})
schema = schemathesis.openapi.from_dict(load_control_document(), config=_config)

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def control_asgi() -> Any:
    return MockApplication(Settings()).asgi


@schema.parametrize()
@deterministic(EXAMPLES)
def test_control_operation_honours_its_contract(case: Any, control_asgi: Any) -> None:
    response = case.call(app=control_asgi)
    case.validate_response(response, checks=CHECKS)
