"""The control API's own OpenAPI document, and requests checked against it.

`control.yaml` is to `/__mock__/` what the platform's document is to the API: the router, the
validator and the 400s come from it, through the same machinery the engine uses
(`OperationIndex`, `PathRouter`, `ContractValidator`), so a bad filter or body is refused in
the same DRF shapes as a bad platform request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
import yaml

from mock_server.messages import MockRequest
from mock_server.router import PathRouter, RouteMatch
from mock_server.spec.index import Operation, OperationIndex
from mock_server.validation import ContractValidator, RequestProblem

CONTROL_DOCUMENT_PATH = Path(__file__).with_name("control.yaml")


def load_control_document(path: Path = CONTROL_DOCUMENT_PATH) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=loader)
    return document


def _router(index: OperationIndex) -> PathRouter:
    router = PathRouter()
    for operation in index:
        router.add(operation.path, operation.method, operation.operation_id)
    return router


@dataclass
class Routed:
    """A control request matched to its operation (None: its path takes another method)."""

    operation: Operation | None
    match: RouteMatch


@dataclass
class ControlDocument:
    document: dict[str, Any] = field(default_factory=load_control_document)

    def __post_init__(self) -> None:
        self.index = OperationIndex.from_document(self.document)
        self.router = _router(self.index)
        # Strict: an unknown filter is refused, never ignored into matching every entry.
        self.validator = ContractValidator(self.document, strict=True)

    @cached_property
    def json_bytes(self) -> bytes:
        return orjson.dumps(self.document)

    def route(self, path: str, method: str) -> Routed | None:
        """The operation for (path, method); None when no control path matches."""
        match = self.router.match(path, method)
        if match is not None and match.operation_id is None and method == "HEAD":
            match = self.router.match(path, "GET")  # HEAD answered as GET, as Django does
        if match is None:
            return None
        operation = self.index.by_id.get(match.operation_id or "")
        return Routed(operation, match)

    def accept(
        self, operation: Operation, request: MockRequest
    ) -> tuple[RequestProblem | None, Any]:
        """The refusal of `request`, or None and its body's JSON value (None without one)."""
        return self.validator.accept(operation, request)
