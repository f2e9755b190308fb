"""Run the app under uvicorn and say, once, when it is ready.

uvicorn bounds neither a request's head nor the time it may take to arrive, and it waits for
every connection on shutdown. `GuardedProtocol` adds the deadlines a server on a developer's
machine needs, so that no client can hold a connection, or SIGTERM, for long:

- a request's line and headers must arrive within `HEADER_TIMEOUT` of its first byte (of the
  connection, for the first request) and be at most `MAX_HEADER_BYTES`; else the connection
  closes (431 for too large);
- between requests a connection may idle `KEEP_ALIVE_TIMEOUT` (uvicorn's own timer, re-armed
  after a refused body has been read to its end, where uvicorn leaves it unset);
- the rest of a body answered before it ended (413) is read and dropped for `DRAIN_TIMEOUT`;
- the body itself is the edge's (`edge/body.py`: 408 when it stalls);
- on shutdown, a request still arriving is dropped, and requests still being answered get
  `GRACEFUL_SHUTDOWN_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.app import MockApplication
from mock_server.edge import exposure_warning
from mock_server.edge.faults import TRANSPORT_KEY
from mock_server.settings import Settings

HEADER_TIMEOUT = 5.0
MAX_HEADER_BYTES = 64 * 1024
KEEP_ALIVE_TIMEOUT = 5
DRAIN_TIMEOUT = 30.0  # as long as a body may take (edge/body.py BODY_TIMEOUT)
GRACEFUL_SHUTDOWN_TIMEOUT = 3
SWITCH_INTERVAL = 0.001
_TOO_LARGE = b'{"detail":"Request header fields too large."}'


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines on the head and on dropping a body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._in_head = True
        self._head_bytes = 0

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(HEADER_TIMEOUT)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)  # the whole chunk went to a head not yet complete
            if self._head_bytes > MAX_HEADER_BYTES:
                self._disarm()
                self.transport.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"content-type: application/json\r\n"
                    b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                    % (len(_TOO_LARGE), _TOO_LARGE)
                )
                self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # What a requested fault breaks (edge/faults.py): ASGI itself cannot drop a connection.
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[TRANSPORT_KEY] = self.transport
        self._in_head, self._head_bytes = True, 0
        self._arm(HEADER_TIMEOUT)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        answered = self.cycle is not None and self.cycle.response_complete
        super().on_message_complete()
        if answered and not self.transport.is_closing():
            # The rest of a refused body is in: the connection is idle from now on.
            self._disarm()
            self._unset_keepalive_if_required()
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def on_response_complete(self) -> None:
        super().on_response_complete()
        cycle = self.cycle
        if cycle.response_complete and cycle.more_body and not self.transport.is_closing():
            self._arm(DRAIN_TIMEOUT)  # answered before its body ended: drop the rest, for a while

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_started and cycle.more_body:
            self.transport.close()  # still arriving: it would not be answered in time anyway
            return
        super().shutdown()


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Any) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._announce()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options, in one process or in each of `--workers N`."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": settings.log_level == "debug",
        "lifespan": "on",
        "http": GuardedProtocol,
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_TIMEOUT,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


def server_config(application: MockApplication, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(application.asgi, **server_options(settings))


def serve(settings: Settings, *, started: float) -> int:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    warning = exposure_warning(settings.host, settings.port)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if settings.workers > 1:
        from mock_server.workers import serve_workers

        return serve_workers(settings, started=started)
    application = MockApplication(settings)
    # A slow answer is made on the engine's worker thread (offload.py); the event loop gets the
    # interpreter back after at most this long (5 ms by default), to answer everyone else.
    sys.setswitchinterval(SWITCH_INTERVAL)

    def announce() -> None:
        print(ready_text(settings, describe(application), started), flush=True)

    server = _AnnouncingServer(server_config(application, settings), announce)
    server.run()
    return 0 if server.started else 1


def describe(application: MockApplication) -> dict[str, str]:
    """What the ready line says of the app (a worker's, in `--workers N`, for the parent)."""
    described = {
        "summary": f"{application.operation_count} operations from "
        f"{application.loaded.title} {application.loaded.version}"
    }
    if application.settings.auth == "fixtures":
        described["credentials"] = _credentials(application)
    return described


def ready_text(settings: Settings, described: dict[str, str], started: float) -> str:
    base_url = f"http://{_url_host(settings.host)}:{settings.port}"
    elapsed = time.perf_counter() - started
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    text = (
        f"ibl-mock ready: {described['summary']} on {base_url} ({elapsed:.1f} s{workers})\n"
        f"  docs: {base_url}/docs/"
    )
    return text + ("\n" + described["credentials"] if "credentials" in described else "")


def _credentials(application: MockApplication) -> str:
    """The world's keys and tokens, the only ones `--auth fixtures` accepts."""
    lines = ["  credentials (--auth fixtures):"]
    for tenant in application.world.tenants:
        lines.append(f"    {tenant.name}: Authorization: {tenant.authorization}")
        for user in tenant.users:
            role = "admin" if user.is_admin else "learner"
            lines.append(f"      {user.username} ({role}): Authorization: {user.authorization}")
    return "\n".join(lines)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve(Settings.from_env(), started=time.perf_counter()))
