"""Broken connections on purpose: the faults a client asks for (`Prefer: fault=reset`).

ASGI has no word for "drop the connection", so the server's protocol (server.py) lends the
request its transport under `scope["extensions"][TRANSPORT_KEY]`, and a fault acts on it:

- `reset`     the connection is aborted with a TCP RST (SO_LINGER 0): the client's read fails
              with "connection reset by peer";
- `empty`     the connection closes before a byte of the answer: "server closed the connection
              without a response" (Python's RemoteDisconnected, a browser's "Failed to fetch");
- `malformed` an answer starts (status line, chunked body) and a chunk that is no chunk follows,
              then the connection closes: the client's HTTP parser fails mid-answer.

Served without that transport (in process, over httpx's ASGITransport) there is no connection
to break: `FaultUnavailable` says so.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import MutableMapping
from typing import Any

TRANSPORT_KEY = "ibl_mock.transport"
MALFORMED = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    b'zz\r\n{"results": [\r\n'
)


class FaultUnavailable(RuntimeError):
    """The request came through no connection the mock can break."""


async def break_connection(scope: MutableMapping[str, Any], fault: str) -> None:
    transport: Any = (scope.get("extensions") or {}).get(TRANSPORT_KEY)
    # uvloop's transports are not asyncio.Transport subclasses: what counts is what they do.
    if not all(hasattr(transport, name) for name in ("abort", "close", "write", "is_closing")):
        raise FaultUnavailable(
            f"fault={fault} needs a real connection (served by `ibl-mock serve`)"
        )
    if transport.is_closing():
        return
    if fault == "reset":
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    elif fault == "malformed":
        transport.write(MALFORMED)
        transport.close()
    else:
        transport.close()
    # Let the protocol see the connection lost before the app returns, so the server does not
    # try to answer on it.
    for _ in range(2):
        await asyncio.sleep(0)
