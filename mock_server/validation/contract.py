"""openapi-core validators per operation, and their findings turned into DRF-shaped problems.

openapi-core finds the operation of a request by scanning every path of the document it was
given. The mock already knows the operation (the router found it), so each operation gets its
validators built on a one-path view of the document, sharing the `components` by reference:
per-request cost then does not grow with the size of the document. Views are built lazily.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson
from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types.datatypes import MediaTypeDeserializersDict
from openapi_core.deserializing.styles.exceptions import EmptyQueryParameterValue
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
)
from openapi_core.validation.response.validators import V30ResponseValidator
from openapi_core.validation.schemas.datatypes import FormatValidatorsDict
from openapi_core.validation.schemas.validators import SchemaValidator

from mock_server.memo import BoundedCache
from mock_server.messages import JSON_MEDIA_TYPE, MockRequest, MockResponse
from mock_server.spec.index import Operation
from mock_server.validation.adapters import OpenAPIRequest, OpenAPIResponse
from mock_server.validation.drf_errors import problem_from_body_error, problem_from_parameter_error
from mock_server.validation.forms import FORM_MEDIA_TYPES, form_as_json, numbers_as_strings
from mock_server.validation.parameters import ParameterPrecheck


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


def _django_datetime(value: Any) -> bool:
    """What Django's parse_datetime reads: ISO 8601 with `T` or a space, an optional offset
    written `Z`, `+HH`, `+HHMM` or `+HH:MM` (clients such as the published SDK send `+0000`)."""
    return not isinstance(value, str) or _DJANGO_DATETIME.fullmatch(value) is not None


_DJANGO_DATETIME = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{1,2}(:\d{1,2}([.,]\d{1,6}\d*)?)?"
    r"\s*(Z|[+-]\d{2}(:?\d{2})?)?"
)
# Requests are read as DRF's fields read them; answers are still checked against RFC 3339.
DJANGO_INPUT_FORMATS: FormatValidatorsDict = {"date-time": _django_datetime}


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
        plainly_valid = validators.precheck.accepts(request.path_params, request.query)
        checked = OpenAPIRequest(_without_empty(request, operation))
        for error in () if plainly_valid else validators.parameters.iter_errors(checked):
            if isinstance(error.__cause__, EmptyQueryParameterValue):
                continue  # a required parameter sent empty: the view decides, as in DRF
            status, body = problem_from_parameter_error(error, operation)
            return RequestProblem(status, body), None
        declared_body = operation.request_body
        if declared_body is None:
            return None, None
        normalised = self._body_as_json(declared_body, request)
        if isinstance(normalised, RequestProblem):
            return normalised, None
        accepted = _accepted_json(validators.json_body(normalised.media_type), normalised)
        if accepted is not _UNDECIDED:
            return None, accepted
        for error in validators.body.iter_errors(OpenAPIRequest(normalised)):
            status, body = problem_from_body_error(error, request)
            return RequestProblem(status, body), None
        if normalised.media_type not in _JSON_TYPES:
            return None, None
        try:
            return None, json.loads(normalised.body)
        except ValueError:
            return None, None

    def _body_as_json(
        self, declared_body: Mapping[str, Any], request: MockRequest
    ) -> MockRequest | RequestProblem:
        """The body as DRF's parsers would hand it to the serializer, as a JSON request."""
        if not request.body:
            # DRF reads an empty body as `{}`: required fields are then reported one by one.
            return replace(request, headers=_JSON_HEADERS, body=b"{}")
        request = _as_declared_json(declared_body, request)
        unsupported = _unsupported_media_type(declared_body, request)
        if unsupported is not None:
            return unsupported
        content = declared_body.get("content", {})
        try:
            as_json = form_as_json(self._document, content, request)
        except Exception as error:
            kind = "Multipart form" if "multipart" in request.media_type else "Form"
            return RequestProblem(400, {"detail": f"{kind} parse error - {error}"})
        return as_json or numbers_as_strings(self._document, content, request) or request

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


def _accepted_json(validator: SchemaValidator | None, request: MockRequest) -> Any:
    """The body's JSON value where `validator` finds nothing wrong with it; `_UNDECIDED` where
    openapi-core has to look (no validator, not JSON, or a problem it must describe)."""
    if validator is None:
        return _UNDECIDED
    try:
        value = _json_bytes(request.body)
    except ValueError:
        return _UNDECIDED
    return value if validator.validator.is_valid(value) else _UNDECIDED


_JSON_HEADERS = {"content-type": "application/json"}
_JSON_TYPES = (JSON_MEDIA_TYPE, "application/scim+json")


def _undeclared_query(operation: Operation, request: MockRequest) -> list[str]:
    """Query names the operation does not declare (DRF ignores them; --strict does not)."""
    declared = {p["name"] for p in operation.parameters if p.get("in") == "query"}
    return sorted({name for name, _ in request.query if name not in declared})


def _without_empty(request: MockRequest, operation: Operation) -> MockRequest:
    """django-filter treats an optional `?name=` as no value; openapi-core would reject it."""
    if all(value for _, value in request.query):
        return request
    required = {p["name"] for p in operation.parameters if p.get("required")}
    kept = tuple((k, v) for k, v in request.query if v or k in required)
    return replace(request, query=kept)


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
