"""schemathesis in negative mode over every operation of the document against a running mock.

Every request schemathesis makes invalid must be refused with a 4xx, and none may get a 5xx.
Where DRF itself accepts what the schema forbids, the mock does too: those leniencies are named
in LENIENCIES, which the test skips and tests/unit/test_leniencies.py shows to hold. One example
per operation when enabled. It runs only when IBL_MOCK_NEGATIVE_EXAMPLES is set
(`make contract-negative`, `make contract-deep`): over every operation it costs more time than
`make test` has left.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection
from test_schemathesis import AUTHORIZATION, FORM_MEDIA_TYPES, _sendable

from mock_server.spec import load_document

EXAMPLES = int(os.environ.get("IBL_MOCK_NEGATIVE_EXAMPLES", "0"))
if EXAMPLES < 1:
    # Skipped before the schema is built: parametrising 1,176 operations alone costs a minute.
    pytest.skip(
        "negative fuzzing: set IBL_MOCK_NEGATIVE_EXAMPLES (make contract-negative)",
        allow_module_level=True,
    )

_document = load_document().document
_config = SchemathesisConfig.from_dict({"generation": {"mode": "negative"}})
schema = schemathesis.openapi.from_dict(_document, config=_config)

# (case, mutation, the query the server received) -> whether the leniency covers the mutation
Applies = Callable[[Any, Any, Sequence[tuple[str, str]]], bool]


@dataclass(frozen=True)
class Leniency:
    kind: str
    reason: str
    applies: Applies


def _sent(query: Sequence[tuple[str, str]], name: str | None) -> list[str]:
    return [value for key, value in query if key == name]


def _undeclared_query(case: Any, mutation: Any, query: Sequence[tuple[str, str]]) -> bool:
    return _location(mutation) == "query" and tuple(mutation.keywords) == ("additionalProperties",)


def _empty_optional_query(case: Any, mutation: Any, query: Sequence[tuple[str, str]]) -> bool:
    if _location(mutation) != "query" or mutation.parameter is None:
        return False
    required = {p.name for p in case.operation.query if p.is_required}
    values = _sent(query, mutation.parameter)
    return mutation.parameter not in required and bool(values) and not any(values)


def _number_for_string(case: Any, mutation: Any, query: Sequence[tuple[str, str]]) -> bool:
    return (
        _location(mutation) == "body"
        and case.media_type in (None, "application/json")
        and mutation.operator == "change_type"
        and mutation.original_value in ("string", "null")
        and mutation.new_value in ("number", "integer")
    )


def _form_type(case: Any, mutation: Any, query: Sequence[tuple[str, str]]) -> bool:
    return (
        _location(mutation) == "body"
        and case.media_type in FORM_MEDIA_TYPES
        and mutation.operator == "change_type"
    )


LENIENCIES = (
    Leniency(
        "undeclared query parameter",
        "DRF and django-filter ignore query names a view does not declare (--strict refuses them)",
        _undeclared_query,
    ),
    Leniency(
        "empty optional query value",
        "django-filter reads `?name=` as no value, so an optional filter is not applied; "
        "schemathesis sends an empty object or list, or a too-short string, that way",
        _empty_optional_query,
    ),
    Leniency(
        "number for a string field",
        "DRF's CharField (and the choice, slug and UUID fields documented as strings) accepts "
        "an integer or a float and keeps str() of it",
        _number_for_string,
    ),
    Leniency(
        "changed type in a form body",
        "a form carries only text, which DRF's fields coerce (`True`, `1`, `-580`): a value of "
        "another type arrives as text the field reads",
        _form_type,
    ),
)

# Headers the test sends itself: a mutation of them never reaches the server.
_REPLACED_HEADERS = {name.lower() for name in AUTHORIZATION}


def _location(mutation: Any) -> str:
    return str(getattr(mutation.parameter_location, "value", mutation.parameter_location))


def _reaches_server(mutation: Any) -> bool:
    header = _location(mutation) == "header" and mutation.parameter is not None
    return not (header and mutation.parameter.lower() in _REPLACED_HEADERS)


def unexcused(case: Any, query: Sequence[tuple[str, str]]) -> list[Any] | None:
    """The mutations the server saw that no leniency covers; None when the case records none
    (then the whole case counts as invalid)."""
    mutations = getattr(case.meta.phase.data, "mutations", ()) if case.meta else ()
    if not mutations:
        return None
    return [
        mutation
        for mutation in mutations
        if _reaches_server(mutation)
        and not any(leniency.applies(case, mutation, query) for leniency in LENIENCIES)
    ]


def sent_query(response: Any) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True)


pytestmark = pytest.mark.contract


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_refuses_invalid_requests(case: Any, mock_server_url: str) -> None:
    assume(_sendable(case))
    response = case.call(base_url=mock_server_url, headers=AUTHORIZATION)
    remaining = unexcused(case, sent_query(response))
    # What is left valid once leniencies and the caller's headers are set aside need not be
    # refused; it must still not break the server.
    checks = (
        [not_a_server_error] if remaining == [] else [not_a_server_error, negative_data_rejection]
    )
    case.validate_response(response, checks=checks)
