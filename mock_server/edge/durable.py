"""No answer before what it wrote is kept for good (`--data`).

The SQLite backend syncs writes in groups (store/sqlite_commits.py); this guard holds each
answer's first message until every write committed so far is synced. Waiting is an await, so
the event loop serves other clients meanwhile, and their writes join the next sync. Without a
backend that defers (in memory, Redis) `settled()` answers None and the guard costs one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mock_server.edge.asgi import ASGIApp, Message, Receive, Scope, Send


class DurableAnswers:
    def __init__(self, app: ASGIApp, settled: Callable[[], Awaitable[None] | None]) -> None:
        self.app = app
        self.settled = settled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_when_kept(message: Message) -> None:
            if message["type"] == "http.response.start":
                pending = self.settled()
                if pending is not None:
                    await pending
            await send(message)

        await self.app(scope, receive, send_when_kept)
