"""Request bodies: at most --max-body bytes, and delivered in time.

A `Content-Length` over the limit is answered 413 before a byte of the body is read (the
server then discards the rest as it arrives, so the client can finish sending and read the
answer). A chunked body is read up to the limit, then 413. What is read is held once and
handed to the app as one message, so memory never holds more than the limit per request.
A body that stops arriving (a client that sent half of it) or trickles in is answered 408
and its connection closed.
"""

from __future__ import annotations

import asyncio

from mock_server.edge.asgi import ASGIApp, Message, Receive, Refusals, Scope, Send, header

BODY_IDLE_TIMEOUT = 5.0  # seconds without a byte of the body
BODY_TIMEOUT = 30.0  # for the whole body, however it trickles in
CLOSE = [(b"connection", b"close")]


class BodyGuard:
    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        refusals: Refusals,
        *,
        idle: float = BODY_IDLE_TIMEOUT,
        total: float = BODY_TIMEOUT,
    ) -> None:
        self.app = app
        self.limit = limit
        self.refusals = refusals
        self.idle = idle
        self.total = total

    def _too_large(self) -> str:
        return f"Request body exceeds the {self.limit}-byte limit."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        chunked = header(scope, b"transfer-encoding") is not None
        if declared is None and not chunked:
            await self.app(scope, receive, send)  # HTTP/1.1: no framing header, no body
            return
        if declared is not None and not chunked and declared.strip().isdigit():
            length = int(declared)
            if length > self.limit:
                await self.refusals.refuse(scope, send, 413, self._too_large())
                return
            if length == 0:
                await self.app(scope, receive, send)
                return
        body = await self._read(scope, receive, send)  # counted, whatever the framing says
        if body is not None:
            await self.app(scope, _replaying(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once it has been refused (or the client has gone)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                async with asyncio.timeout(min(self.idle, deadline - loop.time())):
                    message = await receive()
            except TimeoutError:
                waited = self.total if loop.time() >= deadline else self.idle
                detail = f"Request body not received in time ({waited:g} s)."
                await self.refusals.refuse(scope, send, 408, detail, CLOSE)
                return None
            if message["type"] != "http.request":
                return None  # the client went away: nobody to answer
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.limit:
                chunks.clear()
                await self.refusals.refuse(scope, send, 413, self._too_large())
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    pending = [body]

    async def replay() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replay
