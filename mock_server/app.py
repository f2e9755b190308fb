"""The web adapter: a Connexion app routing the document's operations to the mock engine.

This is the only module that knows about Connexion and Starlette; everything it calls takes
and returns the framework-neutral messages of `mock_server.messages`.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
from pathlib import Path

import orjson
import yaml
from connexion.middleware import MiddlewarePosition
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import dashboard
from mock_server.admin import ControlAPI
from mock_server.admin.routes import DOCUMENT_PATH
from mock_server.auth import Authenticator, AuthMode
from mock_server.coherence import parse_anchor
from mock_server.edge import guarded
from mock_server.edge.durable import DurableAnswers
from mock_server.edge.faults import break_connection
from mock_server.fixtures import check_world, load_world
from mock_server.fixtures.cache import seed_world_cached, world_cache_file
from mock_server.handlers import MockEngine
from mock_server.memo import BoundedCache, text_weight
from mock_server.messages import MockRequest, MockResponse, encode_json
from mock_server.offload import EngineRunner
from mock_server.router import RouteMatch
from mock_server.routing import (
    ROUTE_MATCH_KEY,
    MockConnexion,
    OperationResolver,
    OperationsMiddleware,
    PathRoutingMiddleware,
    router_from_index,
    routing_view,
)
from mock_server.sessions import SessionProblem, session_of
from mock_server.settings import Settings
from mock_server.spec import LoadedDocument, load_document
from mock_server.spec.loader import default_cache_dir
from mock_server.spec.subsets import tag_subset, tags_by_size
from mock_server.store import Backends, InMemoryStore
from mock_server.store.backends import Identity, open_backends

log = logging.getLogger("ibl_mock")

SERVER_NOTE = "this ibl-mock (the published document names https://base.manager.iblai.app)"

# Connexion's security and validation middlewares are left out: openapi-core validates in the
# engine, and authentication is the mock's own (the document's api-key scheme needs a handler).
# Swagger UI sits below the operations: only requests no operation takes reach its router.
MIDDLEWARES = [
    ServerErrorMiddleware,
    ExceptionMiddleware,
    PathRoutingMiddleware,
    LifespanMiddleware,
    OperationsMiddleware,
    SwaggerUIMiddleware,
]


class MockApplication:
    """The loaded document, the engine, and the ASGI app serving them."""

    def __init__(self, settings: Settings, loaded: LoadedDocument | None = None) -> None:
        self.settings = settings
        # The served document per (origin, format, tag): one per tag and the whole, per origin.
        self._served: BoundedCache[tuple[str, str, str], bytes] = BoundedCache(
            128, max_bytes=64 << 20, weigh=text_weight
        )
        self.loaded = loaded or load_document(settings.spec_path, use_cache=settings.use_spec_cache)
        self.world = load_world(settings.fixtures_path)
        self.engine = MockEngine(
            self.loaded.document,
            seed=settings.seed,
            validate_responses=settings.validate_responses,
            strict=settings.strict,
            world=self.world,
            clock=parse_anchor(settings.clock),
            populate_new_scopes=settings.populate_new_scopes,
        )
        check_world(self.world, settings.fixtures_path, self.engine.model)
        if settings.latency is not None or settings.error_rate:
            # Every session starts with the run's chaos settings.
            self.engine.chaos_defaults = {
                "latency": settings.latency,
                "error_rate": settings.error_rate,
            }
        self.router = router_from_index(self.engine.index)
        world_cache = (
            world_cache_file(
                default_cache_dir(),
                self.loaded,
                Path(settings.fixtures_path),
                settings.seed,
                settings.clock,
            )
            if settings.use_spec_cache
            else None
        )
        log.info("%s", seed_world_cached(self.engine, self.world, world_cache))
        self.engine.authenticator = Authenticator(AuthMode(settings.auth), self.world)
        # What start-up built (the document, the world, the model) lives as long as the
        # process: out of the collector's sight, a full collection no longer walks it (the
        # create+read p99 fell from 125 to 39 ms in process).
        gc.collect()
        gc.freeze()
        # Slow answers are made off the event loop (offload.py), fast ones on it.
        self.runner = EngineRunner(self.engine.handle)
        self.backends: Backends | None = None
        self.connexion = self._build()  # a --state file is read into the seeded world here
        identity = Identity(self.loaded.sha256, world_digest(self.engine.seeded))
        backends = open_backends(
            identity, data_path=settings.data_path, store_url=settings.store_url
        )
        self.engine.start_sessions(backends, ttl=settings.session_ttl or None)
        self.backends = backends
        # The edge guards (host, control endpoints, body) stand before the Connexion stack.
        self.asgi: ASGIApp = guarded(self.connexion, settings, self.engine.sessions_started())
        if backends is not None:  # no answer before its writes are on disk (--data)
            self.asgi = DurableAnswers(self.asgi, backends.settled)

    @property
    def operation_count(self) -> int:
        return len(self.engine.index)

    def _build(self) -> MockConnexion:
        # The control endpoints (/__mock__/*) are a contract of their own: mock_server/admin/.
        self.control = ControlAPI(self.engine, self.loaded, self.settings)
        fallback = Starlette(
            routes=[
                Route("/openapi.json", self._openapi_json, methods=["GET"]),
                Route("/openapi.yaml", self._openapi_yaml, methods=["GET"]),
                Route("/", _dashboard_page, methods=["GET"]),
                Route(f"{dashboard.ASSET_PREFIX}{{name}}", _dashboard_asset, methods=["GET"]),
                *self.control.routes,
            ],
            exception_handlers={404: self._unrouted, 405: self._unrouted},
        )
        app = MockConnexion(fallback, import_name=__name__, middlewares=list(MIDDLEWARES))
        info = {"title": self.loaded.title, "version": self.loaded.version}
        app.add_routing_view(
            routing_view(self.engine.index, info),
            resolver=OperationResolver(self._endpoint_for),
            path_router=self.router,
            swagger_ui_options=SwaggerUIOptions(
                serve_spec=False,
                spec_path="/openapi.json",
                swagger_ui_path="/docs",
                # Operations collapsed under their tags and schemas not drawn until opened:
                # 1,193 operations open at once take the page seconds to draw. (Swagger UI
                # reads `filter` before this config arrives, so a filter box cannot be had.)
                swagger_ui_config={
                    "docExpansion": "none",
                    "defaultModelsExpandDepth": -1,
                    # One document per tag first: Swagger UI digests a whole document before it
                    # draws, and the whole one takes it seconds.
                    "urls": [
                        *(
                            {"url": f"/openapi.json?tag={tag}", "name": f"{tag} ({count})"}
                            for tag, count in tags_by_size(self.loaded.document)
                        ),
                        {
                            "url": "/openapi.json",
                            "name": f"{info['title']} {info['version']}: every operation",
                        },
                        {"url": DOCUMENT_PATH, "name": "ibl-mock control (/__mock__/)"},
                    ],
                },
            ),
        )
        if self.settings.cors:
            # The API's CORS; the control endpoints keep theirs to themselves (edge/control.py).
            # The origin is reflected, never "*", with Allow-Credentials and `Vary: Origin`:
            # a browser sending credentials (fetch's `credentials: 'include'`, the TypeScript
            # client's WITH_CREDENTIALS) refuses a wildcard answer.
            origins = list(self.settings.cors_origins)
            app.add_middleware(
                CORSMiddleware,
                position=MiddlewarePosition.BEFORE_EXCEPTION,
                allow_origins=origins,
                allow_origin_regex=None if origins else ".*",
                allow_credentials=True,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=[
                    "X-Mock-Operation-Id",
                    "X-Mock-Response-Problems",
                    "X-Mock-Override",
                ],
            )
        return app

    def _endpoint_for(self, operation_id: str) -> ASGIApp:
        runner = self.runner

        async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
            request = await _to_mock_request(Request(scope, receive))
            if self.backends is not None:
                await _read_ahead(self.backends, request)
            planned = await runner.handle(operation_id, request)
            if planned.delay:
                await asyncio.sleep(planned.delay)  # other clients are answered meanwhile
            if planned.fault is not None:
                await break_connection(scope, planned.fault)
                return
            await _to_starlette(planned)(scope, receive, send)

        endpoint.__name__ = operation_id
        return endpoint

    def _served_document(self, request: Request, media_type: str) -> bytes | None:
        """The document with the mock's own origin as its only server, so that Swagger UI's
        "Try it out" and generated clients call the mock, never production. The Host guard
        (edge/hosts.py) lets only the mock's names through, so few origins are ever cached."""
        origin = f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}"
        tag = request.query_params.get("tag", "")
        key = (origin, media_type, tag)
        found = self._served.get(key)
        if found is None:
            whole = self.loaded.document
            part = tag_subset(whole, tag) if tag else whole
            if part is None:
                return None
            document = {**part, "servers": [{"url": origin, "description": SERVER_NOTE}]}
            if media_type == "json":
                found = orjson.dumps(document)
            else:
                dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
                text = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True)
                found = text.encode()
            self._served.put(key, found)
        return found

    async def _unrouted(self, request: Request, exc: Exception) -> Response:
        match = request.scope.get("extensions", {}).get(ROUTE_MATCH_KEY)
        path = request.url.path
        if match is None and not path.endswith("/") and request.method in ("GET", "HEAD"):
            slashed = self.router.match(path + "/", "GET")
            if slashed is not None:
                # The path as sent, still percent-encoded: decoding it would name another
                # resource (`%2541` is the org "%41", not "A").
                raw = request.scope.get("raw_path", path.encode()).decode("latin-1")
                query = f"?{request.url.query}" if request.url.query else ""
                return self._journaled(
                    request, Response(status_code=301, headers={"Location": raw + "/" + query})
                )
        return self._journaled(request, unrouted_response(request.scope, match))

    def _journaled(self, request: Request, response: Response) -> Response:
        mock_request = MockRequest(
            method=request.method.lower(),
            path=request.url.path,
            host_url="",
            query=tuple(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        problems = (
            [] if response.status_code < 400 else [bytes(response.body).decode(errors="replace")]
        )
        self.engine.sessions_started().record(mock_request, None, response.status_code, problems)
        return response

    async def _openapi_json(self, request: Request) -> Response:
        return self._document_response(request, "json", "application/json")

    async def _openapi_yaml(self, request: Request) -> Response:
        return self._document_response(request, "yaml", "application/yaml")

    def _document_response(self, request: Request, form: str, media_type: str) -> Response:
        """The document, or with `?tag=` one tag's part of it (a 404 for a tag it lacks)."""
        served = self._served_document(request, form)
        if served is None:
            return JSONResponse({"detail": "Not found."}, status_code=404)
        return Response(served, media_type=media_type)


async def _dashboard_page(request: Request) -> Response:
    return HTMLResponse(dashboard.page(), headers=dashboard.HEADERS)


async def _dashboard_asset(request: Request) -> Response:
    found = dashboard.asset(request.path_params["name"])
    if found is None:
        return JSONResponse({"detail": "Not found."}, status_code=404)
    content, media_type = found
    return Response(content, media_type=media_type, headers=dashboard.HEADERS)


async def _read_ahead(backends: Backends, request: MockRequest) -> None:
    """Await what the backend reads ahead for the request's session (store/redis_ahead.py);
    a request naming no valid session is refused by the engine, with nothing read."""
    try:
        name, _ = session_of(request.headers, request.query)
    except SessionProblem:
        return
    pending = backends.read_ahead(name)
    if pending is not None:
        await pending


async def _to_mock_request(request: Request) -> MockRequest:
    base = request.base_url
    return MockRequest(
        method=request.method.lower(),
        path=request.url.path,
        host_url=f"{base.scheme}://{base.netloc}",
        path_params={k: str(v) for k, v in request.path_params.items()},
        query=tuple(request.query_params.multi_items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
    )


def _to_starlette(response: MockResponse) -> Response:
    return Response(
        content=response.body,
        status_code=response.status,
        media_type=response.media_type if response.body else None,
        headers=response.headers,
    )


def unrouted_response(scope: Scope, router_match: RouteMatch | None) -> Response:
    """What Django answers when no operation takes the request: 405, APPEND_SLASH's 301, or 404."""
    method = scope["method"]
    if router_match is not None:
        allowed = list(router_match.allowed_methods)
        if "GET" in allowed:
            allowed.append("HEAD")
        allowed.append("OPTIONS")
        if method == "OPTIONS":
            return _options_response(router_match.template, allowed)
        return JSONResponse(
            {"detail": f'Method "{method}" not allowed.'},
            status_code=405,
            headers={"Allow": ", ".join(allowed)},
        )
    accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
    if "text/html" in accept and "json" not in accept:
        return HTMLResponse(DJANGO_NOT_FOUND_PAGE, status_code=404)  # a browser asking
    return JSONResponse({"detail": "Not found."}, status_code=404)


# Django's production 404 page (DEBUG off), for clients that ask for HTML.
DJANGO_NOT_FOUND_PAGE = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    "<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n"
    "</body>\n</html>\n"
)


def _options_response(template: str, allowed: list[str]) -> Response:
    """DRF answers OPTIONS on any view with 200, its Allow list and its metadata."""
    metadata = {
        "name": template,
        "description": "",
        "renders": ["application/json"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    }
    return JSONResponse(metadata, headers={"Allow": ", ".join(allowed)})


def world_digest(seeded: InMemoryStore) -> str:
    """What kept state is applied over: the seeded world's records, ids and seeded scopes."""
    return hashlib.sha256(encode_json(seeded.dump())).hexdigest()


def create_app(settings: Settings | None = None) -> ASGIApp:
    """An ASGI app for `uvicorn mock_server.app:create_app --factory`."""
    return MockApplication(settings or Settings.from_env()).asgi
