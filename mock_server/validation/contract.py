"""openapi-core validators per operation, and their findings turned into DRF-shaped problems.

openapi-core finds the operation of a request by scanning every path of the document it was
given. The mock already knows the operation (the router found it), so each operation gets its
validators built on a one-path view of the document, sharing the `components` by reference:
per-request cost then does not grow with the size of the document. Views are built lazily.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson
from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types.datatypes import MediaTypeDeserializersDict
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
)
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_core.validation.schemas.validators import SchemaValidator

from mock_server.memo import BoundedCache
from mock_server.messages import JSON_MEDIA_TYPE, MockRequest, MockResponse
from mock_server.spec.index import Operation
from mock_server.validation.adapters import OpenAPIRequest, OpenAPIResponse
from mock_server.validation.decoding import (
    DJANGO_INPUT_FORMATS,
    ESCAPED_NUL,
    BodyParseError,
    read_json,
)
from mock_server.validation.drf_errors import (
    merged,
    null_character_errors,
    parameter_null_characters,
    problem_from_body_error,
    problem_from_parameter_error,
)
from mock_server.validation.forms import FORM_MEDIA_TYPES, form_as_json, numbers_as_strings
from mock_server.validation.parameters import ParameterPrecheck
from mock_server.validation.query_values import as_django_reads


@dataclass(frozen=True)
class RequestProblem:
    """Why a request is refused: the status and the DRF-shaped body to answer with."""

    status: int
    body: dict[str, Any]


def _json_bytes(value: bytes) -> Any:
    # The standard parser: orjson turns integers wider than 64 bits into floats.
    return json.loads(value)


# openapi-core only knows application/json; SCIM bodies are JSON too.
_JSON_FLAVOURS: MediaTypeDeserializersDict = {"application/scim+json": _json_bytes}


class _OperationValidators:
    def __init__(self, document: Mapping[str, Any], operation: Operation) -> None:
        view = {
            "openapi": document["openapi"],
            "info": document["info"],
            "servers": [{"url": "/"}],
            "paths": {operation.path: {operation.method: operation.definition}},
            "components": document.get("components", {}),
        }
        spec = _openapi(view).spec
        self.body = V30RequestBodyValidator(
            spec,
            extra_media_type_deserializers=_JSON_FLAVOURS,
            extra_format_validators=DJANGO_INPUT_FORMATS,
        )
        self.parameters = V30RequestParametersValidator(
            spec, extra_format_validators=DJANGO_INPUT_FORMATS
        )
        self.precheck = ParameterPrecheck(operation)
        self.response = V30ResponseValidator(spec, extra_media_type_deserializers=_JSON_FLAVOURS)
        self._operation = operation
        self._json_bodies: dict[str, SchemaValidator | None] = {}

    def json_body(self, media_type: str) -> SchemaValidator | None:
        """The validator openapi-core builds, per request, for a JSON body of `media_type`,
        built once here: a body it accepts is accepted without openapi-core's request pass,
        which costs a millisecond finding the path, the media type and the format checker
        again. None where the operation declares no schema under exactly that media type."""
        if media_type not in self._json_bodies:
            self._json_bodies[media_type] = self._build_json_body(media_type)
        return self._json_bodies[media_type]

    def _build_json_body(self, media_type: str) -> SchemaValidator | None:
        operation = self._operation
        content = (operation.request_body or {}).get("content", {})
        if media_type not in _JSON_TYPES or "schema" not in content.get(media_type, {}):
            return None
        body = self.body
        operation_path = body.spec / "paths" / operation.path / operation.method
        schema = operation_path / "requestBody" / "content" / media_type / "schema"
        return body.schema_validators_factory.create(
            body.spec,
            schema,
            format_validators=body.format_validators,
            extra_format_validators=body.extra_format_validators,
            forbid_unspecified_additional_properties=body.forbid_unspecified_additional_properties,
            enforce_properties_required=body.enforce_properties_required,
        )


def _openapi(view: dict[str, Any]) -> OpenAPI:
    # The whole document is validated once in the test suite; per view it would cost seconds.
    return OpenAPI.from_dict(view, config=Config(spec_validator_cls=None))


class ContractValidator:
    """Validates requests and responses of any operation of one document."""

    def __init__(self, document: Mapping[str, Any], *, strict: bool = False) -> None:
        self._document = document
        self.strict = strict
        self._validators: dict[str, _OperationValidators] = {}
        self._verdicts: BoundedCache[Hashable, list[str]] = BoundedCache(8192)
        self._lock = threading.Lock()

    def _for(self, operation: Operation) -> _OperationValidators:
        validators = self._validators.get(operation.operation_id)
        if validators is None:
            with self._lock:
                validators = self._validators.get(operation.operation_id)
                if validators is None:
                    validators = _OperationValidators(self._document, operation)
                    self._validators[operation.operation_id] = validators
        return validators

    def check_request(self, operation: Operation, request: MockRequest) -> RequestProblem | None:
        """The first reason to refuse `request`, in the order DRF would find it, or None."""
        return self.accept(operation, request)[0]

    def accept(
        self, operation: Operation, request: MockRequest
    ) -> tuple[RequestProblem | None, Any]:
        """`check_request`, and for an accepted request its body as the JSON value DRF's
        serializer would see (None without a JSON body): the body is normalised once."""
        validators = self._for(operation)
        if self.strict:
            unknown = _undeclared_query(operation, request)
            if unknown:
                names = ", ".join(f'"{name}"' for name in unknown)
                detail = f"Unknown query parameter(s): {names}."
                return RequestProblem(400, {"detail": detail}), None
        # openapi-core's parameter check costs milliseconds: it only sees what the precheck
        # cannot vouch for, and finds the problem to report.
        if not validators.precheck.accepts(request.path_params, request.query):
            problem = _parameter_problem(validators, operation, request)
            if problem is not None:
                return problem, None
        declared_body = operation.request_body
        if declared_body is None:
            return None, None
        read = self._body_as_json(declared_body, request)
        if isinstance(read, RequestProblem):
            return read, None
        normalised, value = read
        accepted = _accepted_json(validators.json_body(normalised.media_type), normalised, value)
        if accepted is _UNDECIDED:
            for error in validators.body.iter_errors(OpenAPIRequest(normalised)):
                status, body = problem_from_body_error(error, request)
                if status == 400 and isinstance(value, dict) and not _NOT_FIELDS & set(body):
                    body = merged(body, _null_characters(normalised, value))
                return RequestProblem(status, body), None
        if value is _NOT_READ:
            return None, None
        refused = _null_characters(normalised, value)
        return (RequestProblem(400, refused), None) if refused else (None, value)

    def _body_as_json(
        self, declared_body: Mapping[str, Any], request: MockRequest
    ) -> tuple[MockRequest, Any] | RequestProblem:
        """The body as DRF's parsers would hand it to the serializer, as a JSON request, and
        its JSON value (`_NOT_READ` for a body of another media type)."""
        if not request.body:
            # DRF reads an empty body as `{}`: required fields are then reported one by one.
            return replace(request, headers=_JSON_HEADERS, body=b"{}"), {}
        request = _as_declared_json(declared_body, request)
        unsupported = _unsupported_media_type(declared_body, request)
        if unsupported is not None:
            return unsupported
        content = declared_body.get("content", {})
        try:
            as_form = form_as_json(self._document, content, request)
        except Exception as error:
            kind = "Multipart form" if "multipart" in request.media_type else "Form"
            return RequestProblem(400, {"detail": f"{kind} parse error - {error}"})
        if as_form is not None:
            return as_form
        if request.media_type not in _JSON_TYPES:
            return request, _NOT_READ
        # Read here, before openapi-core or the walks below can recurse into a hostile body.
        try:
            value = read_json(request.body)
        except BodyParseError as error:
            return RequestProblem(400, {"detail": f"JSON parse error - {error}"})
        return numbers_as_strings(self._document, content, request, value) or (request, value)

    def response_problems(
        self, operation: Operation, request: MockRequest, response: MockResponse
    ) -> list[str]:
        """Human-readable reasons why `response` breaks the contract (empty when it holds).

        The verdict depends only on the operation and the response (the request only names
        the operation), so it is remembered by a digest of those: a list answered again with
        the same bytes is not validated again.
        """
        digest = hashlib.blake2b(response.body, digest_size=16).digest()
        headers = tuple(sorted(response.headers.items()))
        key = (operation.operation_id, response.status, response.media_type, headers, digest)
        problems = self._verdicts.get(key)
        if problems is None:
            errors: Iterable[Exception] = self._for(operation).response.iter_errors(
                OpenAPIRequest(request), OpenAPIResponse(response)
            )
            problems = [_describe(error) for error in errors]
            self._verdicts.put(key, problems)
        return list(problems)


_UNDECIDED = object()
_NOT_READ = object()
# Problems that are not field errors, to which no field's NUL is added.
_NOT_FIELDS = frozenset({"detail", "non_field_errors"})


def _accepted_json(
    validator: SchemaValidator | None, request: MockRequest, value: Any = _NOT_READ
) -> Any:
    """The body's JSON `value` (read from the body if not given) where `validator` finds
    nothing wrong with it; `_UNDECIDED` where openapi-core has to look (no validator, not
    JSON, or a problem it must describe)."""
    if validator is None:
        return _UNDECIDED
    if value is _NOT_READ:
        try:
            value = read_json(request.body)
        except BodyParseError:
            return _UNDECIDED
    return value if validator.validator.is_valid(value) else _UNDECIDED


def _parameter_problem(
    validators: _OperationValidators, operation: Operation, request: MockRequest
) -> RequestProblem | None:
    as_read = OpenAPIRequest(as_django_reads(operation, request))
    for error in validators.parameters.iter_errors(as_read):
        status, body = problem_from_parameter_error(error, operation)
        return RequestProblem(status, body)
    refused = parameter_null_characters(operation, request)
    return None if refused is None else RequestProblem(*refused)


def _null_characters(request: MockRequest, value: Any) -> dict[str, Any]:
    """DRF's refusal of the body's strings holding a NUL, by field; JSON (and the forms
    rewritten as JSON) carries a NUL only escaped, so most bodies are spared the walk."""
    return null_character_errors(value) if ESCAPED_NUL in request.body else {}


_JSON_HEADERS = {"content-type": "application/json"}
_JSON_TYPES = (JSON_MEDIA_TYPE, "application/scim+json")


def _undeclared_query(operation: Operation, request: MockRequest) -> list[str]:
    """Query names the operation does not declare (DRF ignores them; --strict does not)."""
    declared = {p["name"] for p in operation.parameters if p.get("in") == "query"}
    return sorted({name for name, _ in request.query if name not in declared})


def _unsupported_media_type(body: Mapping[str, Any], request: MockRequest) -> RequestProblem | None:
    """DRF parses JSON, forms and multipart; anything else is a 415."""
    if not request.body:
        return None
    declared = {media.split(";", 1)[0].strip().lower() for media in body.get("content", {})}
    concrete = declared - {"*/*"}
    if request.media_type in concrete or not concrete:
        return None
    shown = request.media_type or ""
    return RequestProblem(415, {"detail": f'Unsupported media type "{shown}" in request.'})


def _as_declared_json(body: Mapping[str, Any], request: MockRequest) -> MockRequest:
    """Under a declared `*/*`, a body of another media type that is JSON is read as JSON.

    The document says such operations take any media type; DRF's JSON parser is the one that
    can read what clients send there. A body that is not JSON stays as it is (and gets a 415).
    """
    content = body.get("content", {})
    if "*/*" not in content or JSON_MEDIA_TYPE not in content or not request.body:
        return request
    if request.media_type in content or request.media_type in FORM_MEDIA_TYPES:
        return request
    try:
        orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return request
    return replace(request, headers={**request.headers, "content-type": JSON_MEDIA_TYPE})


def _describe(error: Exception) -> str:
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return "; ".join(
            f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in schema_errors
        )
    return f"{type(error).__name__}: {error}" + (f" ({cause})" if cause else "")
