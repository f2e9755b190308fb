"""The little of ASGI the guards need: header lookup, a JSON refusal, the journal entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

import orjson

from mock_server.messages import MockRequest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case), as latin-1 text."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def media_type(scope: Scope) -> str:
    return (header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()


async def send_json(
    send: Send,
    status: int,
    body: dict[str, Any],
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    content = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class Recorder(Protocol):
    """Where a refusal is journaled: the sessions, each request in the journal of its own."""

    def record(
        self, request: MockRequest, operation_id: str | None, status: int, problems: list[str]
    ) -> None: ...


class Refusals:
    """Answers a refusal and records it in the journal, like any other answer."""

    def __init__(self, journal: Recorder) -> None:
        self.journal = journal

    async def refuse(
        self,
        scope: Scope,
        send: Send,
        status: int,
        detail: str,
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        query = bytes(scope.get("query_string") or b"").decode("latin-1")
        request = MockRequest(
            method=str(scope.get("method", "GET")).lower(),
            path=str(scope.get("path", "")),
            host_url="",
            query=tuple(parse_qsl(query, keep_blank_values=True)),
            headers={
                bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1")
                for k, v in scope.get("headers") or []
            },
        )
        self.journal.record(request, None, status, [detail])
        await send_json(send, status, {"detail": detail}, headers)
