"""openapi-core validators per operation, and their findings turned into DRF-shaped problems.

openapi-core finds the operation of a request by scanning every path of the document it was
given. The mock already knows the operation (the router found it), so each operation gets its
validators built on a one-path view of the document, sharing the `components` by reference:
per-request cost then does not grow with the size of the document. Views are built lazily.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
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

from mock_server.messages import MockRequest, MockResponse
from mock_server.spec.index import Operation
from mock_server.validation.adapters import OpenAPIRequest, OpenAPIResponse
from mock_server.validation.drf_errors import problem_from_body_error, problem_from_parameter_error


@dataclass(frozen=True)
class RequestProblem:
    """Why a request is refused: the status and the DRF-shaped body to answer with."""

    status: int
    body: dict[str, Any]


def _json_bytes(value: bytes) -> Any:
    return orjson.loads(value)


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
        self.body = V30RequestBodyValidator(spec, extra_media_type_deserializers=_JSON_FLAVOURS)
        self.parameters = V30RequestParametersValidator(spec)
        self.response = V30ResponseValidator(spec, extra_media_type_deserializers=_JSON_FLAVOURS)


def _openapi(view: dict[str, Any]) -> OpenAPI:
    # The whole document is validated once in the test suite; per view it would cost seconds.
    return OpenAPI.from_dict(view, config=Config(spec_validator_cls=None))


class ContractValidator:
    """Validates requests and responses of any operation of one document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._validators: dict[str, _OperationValidators] = {}
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
        validators = self._for(operation)
        adapted = OpenAPIRequest(request)
        for error in validators.parameters.iter_errors(adapted):
            status, body = problem_from_parameter_error(error, operation)
            return RequestProblem(status, body)
        declared_body = operation.request_body
        if declared_body is None:
            return None
        unsupported = _unsupported_media_type(declared_body, request)
        if unsupported is not None:
            return unsupported
        if not request.body:
            # DRF reads an empty body as `{}`: required fields are then reported one by one.
            adapted = OpenAPIRequest(replace(request, headers=_JSON_HEADERS, body=b"{}"))
        for error in validators.body.iter_errors(adapted):
            status, body = problem_from_body_error(error, request)
            return RequestProblem(status, body)
        return None

    def response_problems(
        self, operation: Operation, request: MockRequest, response: MockResponse
    ) -> list[str]:
        """Human-readable reasons why `response` breaks the contract (empty when it holds)."""
        validators = self._for(operation)
        errors: Iterable[Exception] = validators.response.iter_errors(
            OpenAPIRequest(request), OpenAPIResponse(response)
        )
        return [_describe(error) for error in errors]


_JSON_HEADERS = {"content-type": "application/json"}


def _unsupported_media_type(body: Mapping[str, Any], request: MockRequest) -> RequestProblem | None:
    """DRF parses JSON, forms and multipart; the document's `*/*` does not widen that."""
    if not request.body:
        return None
    declared = {media.split(";", 1)[0].strip().lower() for media in body.get("content", {})}
    concrete = declared - {"*/*"}
    if request.media_type in concrete or not concrete:
        return None
    shown = request.media_type or ""
    return RequestProblem(415, {"detail": f'Unsupported media type "{shown}" in request.'})


def _describe(error: Exception) -> str:
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return "; ".join(
            f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in schema_errors
        )
    return f"{type(error).__name__}: {error}" + (f" ({cause})" if cause else "")
