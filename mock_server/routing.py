"""What Connexion is given to route with, and the Resolver that hands it our handlers.

Connexion validates and deep-copies (twice) whatever document it is given, which costs seconds
on the full document; request validation and synthesis read the full document themselves. So
Connexion gets a routing view: every path in `route_order` (concrete segments first), every
operation with its operationId and path parameters, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connexion import ConnexionMiddleware
from connexion.middleware.abstract import (
    ROUTING_CONTEXT,
    RoutedAPI,
    RoutedMiddleware,
    SpecMiddleware,
)
from connexion.middleware.main import API
from connexion.operations import AbstractOperation
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification, Specification
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.router import PathRouter, RouteMatch
from mock_server.spec.index import OperationIndex

ROUTE_MATCH_KEY = "ibl_mock_route"

EndpointFactory = Callable[[str], Callable[..., Any]]


def routing_view(index: OperationIndex, info: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, operations in index.by_path.items():  # already in route order
        item: dict[str, Any] = {}
        for method, operation in operations.items():
            item[method] = {
                "operationId": operation.operation_id,
                "parameters": [
                    {
                        "name": p["name"],
                        "in": "path",
                        "required": True,
                        "schema": {"type": p.get("schema", {}).get("type", "string")},
                    }
                    for p in operation.parameters
                    if p.get("in") == "path"
                ],
                "responses": {"default": {"description": "see the full document"}},
            }
        paths[path] = item
    return {"openapi": "3.0.3", "info": info, "paths": paths}


def router_from_index(index: OperationIndex) -> PathRouter:
    router = PathRouter()
    for operation in index:
        integers = [
            p["name"]
            for p in operation.parameters
            if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
        ]
        router.add(operation.path, operation.method, operation.operation_id, integers)
    return router


def router_from_document(document: Mapping[str, Any]) -> PathRouter:
    return router_from_index(OperationIndex.from_document(document))


class RoutingSpecification(OpenAPISpecification):
    """The routing view, trusted: Connexion's jsonschema validation of it costs ~0.9 s a start.

    The view is built by `routing_view` from the already-indexed document, so it is valid by
    construction; tests/unit/test_routing_view.py validates it with Connexion's own validator.
    """

    def __init__(self, raw_spec: dict[str, Any], *, base_uri: str = "") -> None:
        # The base class also deep-copies the view and resolves its $refs (~0.1 s). The view is
        # made for Connexion alone and has no $refs, so it serves as both forms.
        self._raw_spec = raw_spec
        self._set_defaults(raw_spec)
        self._spec = raw_spec
        self._base_uri = base_uri

    @classmethod
    def _validate_spec(cls, spec: Mapping[str, Any]) -> None:
        return None


class MockConnexion(ConnexionMiddleware):
    """Connexion's middleware, handed a ready `Specification` instead of a dict to validate."""

    def add_routing_view(self, view: dict[str, Any], **options: Any) -> None:
        # ConnexionMiddleware.add_api would re-load (and validate) the dict; this is the rest of
        # what it does: merge the options with the app's defaults and register the API.
        known = {k: options.pop(k) for k in list(options) if k in vars(self.options)}
        merged = self.options.replace(**known)
        specification = RoutingSpecification(view)
        self.apis.append(API(specification, base_path=None, name=None, **vars(merged), **options))


class OperationResolver(Resolver):
    """Every operationId resolves to the one generic endpoint, bound to that operation."""

    def __init__(self, endpoint_for: EndpointFactory) -> None:
        super().__init__()
        self._endpoint_for = endpoint_for

    def resolve_function_from_operation_id(self, operation_id: str) -> Callable[..., Any]:
        return self._endpoint_for(operation_id)


class PathRoutingMiddleware(SpecMiddleware):
    """Connexion's routing stage, on a segment trie instead of a list of regexes.

    Connexion's RoutingMiddleware tries Starlette routes one by one in document order: 64 of
    this document's templates are shadowed that way, a method missing on a concrete path falls
    through to a looser template, and each request scans all 797 routes. This stage fills in
    the same scope fields Connexion's later stages read (`path_params`, the routing extension
    with `operation_id`), and leaves the `RouteMatch` for the fallback app (405 with `Allow`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.router = PathRouter()

    def add_api(
        self, specification: Specification, path_router: PathRouter | None = None, **kwargs: Any
    ) -> None:
        """Route with the application's router (built from the full document's index, which
        also serves APPEND_SLASH); the routing view Connexion holds is enough otherwise."""
        self.router = path_router or router_from_document(specification.raw)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        match = self._match(scope["path"], scope["method"])
        extensions = scope.setdefault("extensions", {})
        extensions[ROUTING_CONTEXT] = {
            "api_base_path": "",
            "operation_id": match.operation_id if match else None,
        }
        if match is not None:
            scope["path_params"] = match.path_params
            extensions[ROUTE_MATCH_KEY] = match
        await self.app(scope, receive, send)

    def _match(self, path: str, method: str) -> RouteMatch | None:
        match = self.router.match(path, method)
        if match is not None and match.operation_id is None and method == "HEAD":
            return self.router.match(path, "GET")  # Django answers HEAD with the GET view
        return match


class _OperationsAPI(RoutedAPI[ASGIApp]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> ASGIApp:
        return operation.function


class OperationsMiddleware(RoutedMiddleware[_OperationsAPI]):
    """The bottom of Connexion's stack: calls the endpoint the Resolver gave the routed operation.

    Connexion's own AsyncApp wraps each endpoint in decorators that parse parameters and body
    into keyword arguments on every request; the engine does its own parsing, so the endpoints
    here are plain ASGI callables. Requests no operation matched go on to the next app.
    """

    api_cls = _OperationsAPI
