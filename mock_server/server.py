"""Run the app under uvicorn and say, once, when it is ready."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import uvicorn

from mock_server.app import MockApplication
from mock_server.settings import Settings


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Any) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._announce()


def serve(settings: Settings, *, started: float) -> int:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    application = MockApplication(settings)
    base_url = f"http://{_url_host(settings.host)}:{settings.port}"

    def announce() -> None:
        elapsed = time.perf_counter() - started
        print(
            f"ibl-mock ready: {application.operation_count} operations from "
            f"{application.loaded.title} {application.loaded.version} on {base_url} "
            f"({elapsed:.1f} s)\n  docs: {base_url}/docs/",
            flush=True,
        )
        if settings.auth == "fixtures":
            print(_credentials(application), flush=True)

    config = uvicorn.Config(
        application.asgi,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.log_level == "debug",
        lifespan="on",
    )
    server = _AnnouncingServer(config, announce)
    server.run()
    return 0 if server.started else 1


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
