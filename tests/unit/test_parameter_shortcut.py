"""The shortcut past openapi-core's parameter check is sound on the whole document.

`ContractValidator` skips openapi-core's parameter validation (milliseconds a request) when a
request has no query string and the operation's parameters are all plain: nothing could fail.
This checks that claim against openapi-core itself, for every operation that takes the shortcut.
"""

from __future__ import annotations

from mock_server.messages import MockRequest
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex
from mock_server.validation import ContractValidator
from mock_server.validation.adapters import OpenAPIRequest
from mock_server.validation.contract import _trivial_parameters


def _path(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def test_openapi_core_finds_nothing_where_the_shortcut_skips_it() -> None:
    document = load_document().document
    index = OperationIndex.from_document(document)
    validator = ContractValidator(document)
    shortcut = [op for op in index if _trivial_parameters(op)]
    assert len(shortcut) > 900  # most of the document: the shortcut matters
    for operation in shortcut:
        values = {
            p["name"]: "-42" if p.get("schema", {}).get("type") == "integer" else "any value"
            for p in operation.parameters
            if p.get("in") == "path"
        }
        request = MockRequest(operation.method, _path(operation.path, values), "http://t", values)
        found = list(validator._for(operation).parameters.iter_errors(OpenAPIRequest(request)))
        assert not found, (operation.operation_id, found)
