"""No answer before what it wrote is kept for good (`--data`).

The SQLite backend writes and syncs in groups (store/sqlite_commits.py); this guard holds each
answer's first message until every write made so far is synced. Waiting is an await, so the
event loop serves other clients meanwhile, and their writes join the next group. When the
writes cannot be kept (the file failed), the answer is replaced by a 503 in DRF's shape: a
client is never told that a write happened which a restart would not show. Without a backend
that defers (in memory, Redis) `settled()` answers None and the guard costs one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from mock_server.edge.asgi import ASGIApp, Message, Receive, Scope, Send

NOT_KEPT_STATUS = 503


class DurableAnswers:
    def __init__(self, app: ASGIApp, settled: Callable[[], Awaitable[None] | None]) -> None:
        self.app = app
        self.settled = settled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = False

        async def send_when_kept(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the rest of an answer that was replaced
            if message["type"] == "http.response.start":
                pending = self.settled()
                if pending is not None:
                    try:
                        await pending
                    except Exception as error:  # any failure to keep refuses the answer
                        refused = True
                        await _not_kept(send, error)
                        return
            await send(message)

        await self.app(scope, receive, send_when_kept)


async def _not_kept(send: Send, error: Exception) -> None:
    body = orjson.dumps({"detail": f"The write was not kept: {error}"})
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": NOT_KEPT_STATUS, "headers": headers})
    await send({"type": "http.response.body", "body": body})
