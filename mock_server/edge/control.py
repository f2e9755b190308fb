"""The control endpoints (`/__mock__/...`) answer the developer's tools, never a web page.

A page in the developer's browser can send a "simple" cross-origin request (a form post, a
no-cors fetch) without asking first; CORS only hides the answer, the reset still happens. So:

- a request from a foreign origin (its `Origin`, or `Sec-Fetch-Site: cross-site/same-site`
  without one) is refused with 403, preflights included; the mock's own pages and the origins
  given with --control-origins are trusted; a request without `Origin` (curl, tests, SDKs) is
  trusted, since browsers send `Origin` on every write;
- a write with a body type a form can send (form, multipart, text/plain) must also carry
  `X-Mock-Control`, so that even a browser that omits `Origin` would have to preflight;
- the API's CORS (any origin) is kept off these paths: `Origin` is taken out of the request
  before the Connexion stack, and only a listed origin gets CORS headers, its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from mock_server.edge.asgi import (
    ASGIApp,
    Message,
    Receive,
    Refusals,
    Scope,
    Send,
    header,
    media_type,
)

CONTROL_PREFIX = "/__mock__"
CONTROL_HEADER = b"x-mock-control"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The body types a request may carry without a CORS preflight.
SIMPLE_MEDIA_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
PREFLIGHT_HEADERS = [
    (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE"),
    (
        b"access-control-allow-headers",
        b"authorization, content-type, x-mock-control, x-mock-control-key",
    ),
    (b"access-control-max-age", b"600"),
]


def is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


class ControlGuard:
    def __init__(self, app: ASGIApp, origins: Sequence[str], refusals: Refusals) -> None:
        self.app = app
        self.origins = frozenset(origins)
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_control(scope["path"]):
            await self.app(scope, receive, send)
            return
        origin = header(scope, b"origin")
        method = scope["method"]
        problem = self._foreign(scope, origin)
        if problem is not None:
            await self.refusals.refuse(scope, send, 403, problem)
            return
        cors: list[tuple[bytes, bytes]] = []
        listed = origin is not None and origin.lower() in self.origins
        if origin is not None and listed:
            cors = [(b"access-control-allow-origin", origin.encode("latin-1"))]
            cors.append((b"vary", b"Origin"))
        if method == "OPTIONS" and listed and header(scope, b"access-control-request-method"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"0"), *cors, *PREFLIGHT_HEADERS],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        kind = media_type(scope)
        simple = method not in SAFE_METHODS and kind in SIMPLE_MEDIA_TYPES
        if simple and header(scope, CONTROL_HEADER) is None:
            detail = (
                f'Unsupported media type "{kind}" in request. Writes to {CONTROL_PREFIX}/ '
                "take application/json, or any body with an X-Mock-Control header."
            )
            await self.refusals.refuse(scope, send, 415, detail, cors)
            return
        inner = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"origin"]}
        await self.app(inner, receive, _adding(send, cors) if cors else send)

    def _foreign(self, scope: Scope, origin: str | None) -> str | None:
        """Why the request comes from a page the mock does not trust, or None."""
        if origin is None:
            site = (header(scope, b"sec-fetch-site") or "").lower()
            if site in ("cross-site", "same-site"):
                return f"CSRF Failed: {CONTROL_PREFIX}/ refuses {site} requests from web pages."
            return None
        own = f"{scope.get('scheme', 'http')}://{header(scope, b'host') or ''}".lower()
        if origin.lower() in (own, *self.origins):
            return None
        return (
            f"CSRF Failed: Origin checking failed - {origin} does not match any trusted "
            f"origins. Pages of other origins may call {CONTROL_PREFIX}/ only when listed "
            "in --control-origins."
        )


def _adding(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *headers]}
        await send(message)

    return sending
