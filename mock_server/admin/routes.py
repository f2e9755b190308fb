"""The control API's ASGI app: `/__mock__/*` routed, checked and answered from control.yaml.

The edge (edge/control.py) has already refused foreign origins and simple cross-site writes.
Here, in order: the control key (`--control-key`: every request but the document carries
`X-Mock-Control-Key`), the route (404; a known path asked with another method is a 405 with
`Allow`, as Django answers), the request against control.yaml (DRF-shaped 400s, strict about
query names), then the operation. Control requests are not journaled: the journal is the API's.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cached_property
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from mock_server.admin.document import ControlDocument, Routed
from mock_server.admin.operations import ControlAnswer, ControlCall, ControlOperations
from mock_server.admin.snapshots import SnapshotShelf, read_state_file
from mock_server.handlers import MockEngine
from mock_server.messages import JSON_MEDIA_TYPE, MockRequest, encode_json
from mock_server.sessions import SessionProblem, TooManySessions, session_of
from mock_server.settings import Settings
from mock_server.spec import LoadedDocument

CONTROL_KEY_HEADER = "x-mock-control-key"
# Operations over every session, or none: they enter none (and make none by being asked).
SESSIONLESS = frozenset({"listSessions", "dropSession", "getControlDocument", "getWorld"})
DOCUMENT_PATH = "/__mock__/openapi.json"
NOT_FOUND = {"detail": "Not found."}


class ControlAPI:
    """The control endpoints of one mock application (an ASGI app for `routes`)."""

    def __init__(
        self,
        engine: MockEngine,
        loaded: LoadedDocument,
        settings: Settings,
    ) -> None:
        """Built before the sessions start: a --state file becomes the seeded world itself,
        which every session starts from and a reset goes back to."""
        self.engine = engine
        self.loaded = loaded
        self.document = ControlDocument()
        self.key = settings.control_key or None
        self.shelf = SnapshotShelf(
            engine.store, engine.seeded, digest=lambda: self.digest, seed=settings.seed
        )
        if settings.state_path is not None:
            # Checked whole (StateFileError) before the store takes it.
            engine.seeded.load(read_state_file(settings.state_path, self.digest))
        self.operations = ControlOperations(
            engine, self.shelf, document=lambda: self.document.json_bytes
        )
        self.handlers = self.operations.handlers()

    @cached_property
    def digest(self) -> str:
        """The sha256 of the patched document (as /openapi.json serves it, but for `servers`,
        which names whichever host asked)."""
        return hashlib.sha256(encode_json(self.loaded.document)).hexdigest()

    @property
    def routes(self) -> list[BaseRoute]:
        # An ASGI app (not a function) as the endpoint: Starlette passes every method through.
        return [Route("/__mock__", endpoint=self), Route("/__mock__/{rest:path}", endpoint=self)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self._answer(request)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        path, method = request.url.path, request.method
        refused = self._key_refusal(request, path, method)
        if refused is not None:
            return refused
        routed = self.document.route(path, method)
        if routed is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        if routed.operation is None:
            return _not_allowed(routed, method)
        operation = routed.operation
        mock_request = MockRequest(
            method=operation.method,
            path=path,
            host_url=f"{request.base_url.scheme}://{request.base_url.netloc}",
            path_params=routed.match.path_params,
            query=tuple(parse_qsl(request.url.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        problem, body = self.document.accept(operation, mock_request)
        if problem is not None:
            return _json(ControlAnswer(problem.status, problem.body))
        # The last value of each name, as Django hands it over; blanks mean "not given".
        query = {name: value for name, value in mock_request.query if value != ""}
        call = ControlCall(path=routed.match.path_params, query=query, body=body)
        try:
            name, _ = session_of(mock_request.headers, ())
        except SessionProblem as bad_name:
            return _json(ControlAnswer(400, bad_name.detail))
        handler = self.handlers[operation.operation_id]
        if operation.operation_id in SESSIONLESS:
            return _json(handler(call))
        try:
            with self.engine.sessions_started().entered(name):
                return _json(handler(call))
        except TooManySessions as full:
            return _json(ControlAnswer(full.status, full.detail))

    def _key_refusal(self, request: Request, path: str, method: str) -> Response | None:
        if self.key is None or (path == DOCUMENT_PATH and method in ("GET", "HEAD")):
            return None
        given = request.headers.get(CONTROL_KEY_HEADER)
        if given is None:
            detail = (
                "This mock's control endpoints need the X-Mock-Control-Key header "
                "(ibl-mock serve --control-key)."
            )
        elif not hmac.compare_digest(given.encode(), self.key.encode()):
            detail = "Invalid X-Mock-Control-Key."
        else:
            return None
        return JSONResponse({"detail": detail}, status_code=403)


def _json(answer: ControlAnswer) -> Response:
    if answer.raw is not None:
        return Response(answer.raw, status_code=answer.status, media_type=JSON_MEDIA_TYPE)
    if answer.body is None:
        return Response(status_code=answer.status)
    # encode_json: stored values may hold integers wider than 64 bits or lone surrogates.
    content = encode_json(answer.body)
    return Response(content, status_code=answer.status, media_type=JSON_MEDIA_TYPE)


def _not_allowed(routed: Routed, method: str) -> Response:
    """Django's answer to a method the path lacks: 405 with Allow; OPTIONS gets Allow."""
    allowed = list(routed.match.allowed_methods)
    if "GET" in allowed:
        allowed.append("HEAD")
    allowed.append("OPTIONS")
    headers = {"Allow": ", ".join(allowed)}
    if method == "OPTIONS":
        return Response(status_code=200, headers=headers)
    return JSONResponse(
        {"detail": f'Method "{method}" not allowed.'}, status_code=405, headers=headers
    )
