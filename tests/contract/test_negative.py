"""schemathesis in negative mode against a running mock: invalid requests refused, never a 5xx.

Every request schemathesis makes invalid must be refused with a 4xx, and none may get a 5xx.
Where DRF itself accepts what the schema forbids, the mock does too: those leniencies are named
in LENIENCIES, whose parts of a case the refusal check sets aside, and
tests/unit/test_leniencies.py shows each to hold.

An operation is tried with schemathesis's coverage cases (the boundary, type and format
violations it derives from the schema, some ninety an operation) and EXAMPLES fuzzed examples.
By default, as in `make test`, only a fixed sample is tried: every SAMPLE_EVERY-th operation in
(path, method) order, with one fuzzed example each, and hypothesis derandomized, so that every
run makes the same cases; all 1,176 operations would cost some ten minutes more than `make
test` has. Setting IBL_MOCK_NEGATIVE_EXAMPLES tries every operation, with that many fuzzed
examples each (`make contract-negative`: 1, `make contract-deep`: 10).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import schemathesis
from fuzzing import deterministic
from hypothesis import assume
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import CoveragePhaseData
from schemathesis.specs.openapi.checks import negative_data_rejection
from test_schemathesis import AUTHORIZATION, FORM_MEDIA_TYPES, _sendable

from mock_server.spec import load_document

FULL_EXAMPLES = int(os.environ.get("IBL_MOCK_NEGATIVE_EXAMPLES", "0"))
EXAMPLES = max(FULL_EXAMPLES, 1)
# 40 of the 1,176 operations, spread over the whole document: about 15 s more for `make test`
# (-n 2), where every operation would add some ten minutes.
SAMPLE_EVERY = 30
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def sampled(document: Mapping[str, Any], every: int) -> dict[str, Any]:
    """The document with only every `every`-th operation in (path, method) order.

    Parametrising all 1,176 operations alone costs some 40 s (schemathesis derives the
    coverage cases at collection), so the sample is cut from the document before the schema is
    built. Path-level keys (shared parameters) stay; components stay whole for the references.
    """
    paths = document["paths"]
    operations = sorted(
        (path, method) for path, item in paths.items() for method in item if method in HTTP_METHODS
    )
    kept: dict[str, dict[str, Any]] = {}
    for path, method in operations[::every]:
        item = paths[path]
        shared = {key: value for key, value in item.items() if key not in HTTP_METHODS}
        kept.setdefault(path, shared)[method] = item[method]
    return {**document, "paths": kept}


_document = load_document().document
if FULL_EXAMPLES < 1:
    _document = sampled(_document, SAMPLE_EVERY)
_config = SchemathesisConfig.from_dict({"generation": {"mode": "negative"}})
schema = schemathesis.openapi.from_dict(_document, config=_config)


@dataclass(frozen=True)
class Invalid:
    """One part of a case that schemathesis made invalid.

    A fuzzed case records each change as a mutation. A coverage case records none: its phase
    data names the one parameter it violates (`start_date` sent empty for its minLength), or for
    a body the media type and a pointer into the body's schema (`/properties/username/type`).
    Both are read into this shape, so that the leniencies judge them alike. For a coverage
    case's body, `parameter` is the top-level property, `schema` the document's schema at the
    pointer and `sent` the values the body holds there (one for each item of a list on the way).
    """

    location: str
    parameter: str | None
    operator: str | None = None
    keywords: tuple[str, ...] = ()
    original_value: Any = None
    new_value: Any = None
    scenario: str | None = None
    schema: Mapping[str, Any] = field(default_factory=dict)
    sent: tuple[Any, ...] = ()


# (case, invalid part, the query the server received) -> whether the leniency covers the part
Applies = Callable[[Any, Invalid, Sequence[tuple[str, str]]], bool]


@dataclass(frozen=True)
class Leniency:
    kind: str
    reason: str
    applies: Applies


def _sent(query: Sequence[tuple[str, str]], name: str | None) -> list[str]:
    return [value for key, value in query if key == name]


def _undeclared_query(case: Any, invalid: Invalid, query: Sequence[tuple[str, str]]) -> bool:
    return invalid.location == "query" and invalid.keywords == ("additionalProperties",)


def _empty_optional_query(case: Any, invalid: Invalid, query: Sequence[tuple[str, str]]) -> bool:
    if invalid.location != "query" or invalid.parameter is None:
        return False
    required = {p.name for p in case.operation.query if p.is_required}
    values = _sent(query, invalid.parameter)
    return invalid.parameter not in required and bool(values) and not any(values)


def _number_for_string(case: Any, invalid: Invalid, query: Sequence[tuple[str, str]]) -> bool:
    return (
        invalid.location == "body"
        and case.media_type in (None, "application/json")
        and invalid.operator == "change_type"
        and invalid.original_value in ("string", "null")
        and invalid.new_value in ("number", "integer")
    )


def _form_type(case: Any, invalid: Invalid, query: Sequence[tuple[str, str]]) -> bool:
    return (
        invalid.location == "body"
        and case.media_type in FORM_MEDIA_TYPES
        and invalid.operator == "change_type"
    )


def _empty_nullable_form_field(
    case: Any, invalid: Invalid, query: Sequence[tuple[str, str]]
) -> bool:
    return (
        invalid.location == "body"
        and case.media_type in FORM_MEDIA_TYPES
        and invalid.sent == ("",)
        and bool(invalid.schema.get("nullable"))
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
        "an integer or a float and keeps str() of it, at any depth (a list's items, a nested "
        "serializer's fields)",
        _number_for_string,
    ),
    Leniency(
        "changed type in a form body",
        "a form carries only text, which DRF's fields coerce (`True`, `1`, `-580`): a value of "
        "another type arrives as text the field reads",
        _form_type,
    ),
    Leniency(
        "empty value for a nullable form field",
        "DRF's Field.get_value reads `name=` in a form as null where the field allows null, "
        "so neither its format nor its length is checked",
        _empty_nullable_form_field,
    ),
)

# Headers the test sends itself: a mutation of them never reaches the server.
_REPLACED_HEADERS = {name.lower() for name in AUTHORIZATION}


def _location(parameter_location: Any) -> str:
    return str(getattr(parameter_location, "value", parameter_location))


def _resolved(schema: Any) -> dict[str, Any]:
    while isinstance(schema, dict) and str(schema.get("$ref", "")).startswith("#/"):
        target: Any = _document
        for key in schema["$ref"][2:].split("/"):
            target = target[key.replace("~1", "/").replace("~0", "~")]
        schema = target
    return schema if isinstance(schema, dict) else {}


def _unescaped(pointer: str) -> list[str]:
    return [key.replace("~1", "/").replace("~0", "~") for key in pointer.split("/")[1:]]


def _walk(case: Any, steps: Sequence[str]) -> tuple[dict[str, Any], list[Any]] | None:
    """The document's schema that `steps` of a pointer into the case's body schema lead to,
    and the body's values there; None where they leave what is read here.

    schemathesis points into its own copy of the schema, with references inlined and a
    `nullable` schema rendered as `anyOf: [schema, {type: null}]`.
    """
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = _resolved(content.get(case.media_type, {}).get("schema"))
    values = [case.body]
    keys = iter(steps)
    for key in keys:
        if key == "properties":
            name = next(keys, "")
            if name not in schema.get("properties", {}):
                return None
            schema = _resolved(schema["properties"][name])
            values = [value[name] for value in values if isinstance(value, dict) and name in value]
        elif key == "items":
            schema = _resolved(schema.get("items"))
            values = [item for value in values if isinstance(value, list) for item in value]
        elif key in ("allOf", "anyOf", "oneOf"):
            index = next(keys, "")
            branches = schema.get(key)
            if isinstance(branches, list) and index.isdigit() and int(index) < len(branches):
                schema = _resolved(branches[int(index)])
            elif not (key == "anyOf" and index == "0" and schema.get("nullable")):
                return None
        else:
            return None
    return schema, values


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _coverage_body_part(case: Any, data: CoveragePhaseData) -> Invalid | None:
    """The part a coverage case's body pointer names; None where it cannot be followed.

    The pointer ends in the keyword violated: `/properties/username/type`, `/properties/tools/
    items/type` for an item of a list, `.../anyOf/0/format` for a nullable property.
    """
    keys = _unescaped(data.location or "")
    walked = _walk(case, keys[:-1]) if keys else None
    if walked is None:
        return None
    schema, sent = walked
    top = keys[1] if keys[0] == "properties" else None
    scenario = str(data.scenario)
    if scenario != "incorrect_type":
        return Invalid("body", top, scenario=scenario, schema=schema, sent=tuple(sent))
    # The operator and types a fuzzed `change_type` mutation would record for the same change:
    # the one type, other than the schema's, of the values found there.
    original = schema.get("type")
    others = {_json_type(value) for value in sent} - {original}
    return Invalid(
        "body",
        top,
        operator="change_type",
        keywords=("type",),
        original_value=original,
        new_value=others.pop() if len(others) == 1 else None,
        scenario=scenario,
        schema=schema,
        sent=tuple(sent),
    )


def invalid_parts(case: Any) -> list[Invalid]:
    """What the case records as made invalid: its mutations, else the part a coverage case
    names; empty when it records neither (or a part deeper than the body's own properties)."""
    data = case.meta.phase.data if case.meta else None
    mutations = getattr(data, "mutations", ())
    if mutations:
        return [
            Invalid(
                location=_location(mutation.parameter_location),
                parameter=mutation.parameter,
                operator=str(mutation.operator),
                keywords=tuple(mutation.keywords),
                original_value=mutation.original_value,
                new_value=mutation.new_value,
            )
            for mutation in mutations
        ]
    if not isinstance(data, CoveragePhaseData) or data.parameter is None:
        return []
    location = _location(data.parameter_location)
    if location == "body":
        part = _coverage_body_part(case, data)
        return [] if part is None else [part]
    if location not in ("query", "header", "path", "cookie"):
        return []
    return [Invalid(location=location, parameter=data.parameter, scenario=str(data.scenario))]


def _reaches_server(invalid: Invalid) -> bool:
    header = invalid.location == "header" and invalid.parameter is not None
    return not (header and str(invalid.parameter).lower() in _REPLACED_HEADERS)


def unexcused(case: Any, query: Sequence[tuple[str, str]]) -> list[Invalid] | None:
    """The invalid parts the server saw that no leniency covers; None when the case records
    none (then the whole case counts as invalid)."""
    parts = invalid_parts(case)
    if not parts:
        return None
    return [
        part
        for part in parts
        if _reaches_server(part)
        and not any(leniency.applies(case, part, query) for leniency in LENIENCIES)
    ]


def sent_query(response: Any) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True)


pytestmark = pytest.mark.contract


@schema.parametrize()
@deterministic(EXAMPLES)
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
