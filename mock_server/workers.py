"""`--workers N`: N uvicorn processes on one port, their sessions shared through Redis.

uvicorn spawns each worker afresh (no fork: the parent's state would not be theirs anyway) and
has it import `worker_app`, which builds the whole mock from IBL_MOCK_* variables: the parent
writes every setting there first (`Settings.as_env`). The parent itself builds nothing; it
checks that Redis answers, binds the port, and prints the ready line once every worker serves.
Each worker tells it what that line says (operations, document, credentials) in a small file,
and names itself in every answer (`X-Mock-Worker: PID`).

Requests land on either worker, so everything a request can read must be shared: the sessions'
records, ids and claims are (Redis), while overrides, chaos settings and journals stay per
process for now.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from socket import socket

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process, logger

from mock_server.settings import Settings

WORKER_APP = "mock_server.workers:worker_app"
WORKER_HEADER = b"x-mock-worker"
# Where a worker writes what the ready line says (not a setting: Settings ignores it).
DESCRIPTION_ENV = "IBL_MOCK_WORKERS_DESCRIPTION"


def worker_app() -> ASGIApp:
    """One worker's app (`uvicorn --factory`): the settings are the parent's, from IBL_MOCK_*."""
    settings = Settings.from_env()
    # As the command line does (cli.py): Connexion's import warns about httpx on every start.
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    from mock_server.admin import StateFileError
    from mock_server.app import MockApplication
    from mock_server.server import SWITCH_INTERVAL, describe
    from mock_server.store.backends import BackendRefused

    # On STARTUP_FAILURE uvicorn's parent stops, where any other exit starts the worker again:
    # a mock that cannot be built would be built again and again.
    try:
        application = MockApplication(settings)
    except (BackendRefused, StateFileError) as error:
        print(f"ibl-mock: {error}", file=sys.stderr, flush=True)
        sys.exit(STARTUP_FAILURE)
    except Exception:
        traceback.print_exc()
        sys.exit(STARTUP_FAILURE)
    sys.setswitchinterval(SWITCH_INTERVAL)  # as in one process (server.py)
    target = os.environ.get(DESCRIPTION_ENV)
    if target:
        written = Path(f"{target}.{os.getpid()}")
        written.write_text(json.dumps(describe(application)))
        written.replace(target)  # whole, whichever worker writes last
    return _naming_worker(application.asgi)


def _naming_worker(app: ASGIApp) -> ASGIApp:
    """Every answer says which worker made it (`X-Mock-Worker: PID`), to tell them apart."""
    header = (WORKER_HEADER, str(os.getpid()).encode())

    async def named(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await app(scope, receive, sending)

    return named


def serve_workers(settings: Settings, *, started: float) -> int:
    """Serve with `settings.workers` processes until SIGINT/SIGTERM: 0, or 1 if they never all
    served (2 if one could not build the mock, e.g. Redis holds another world's state; the
    reason is on stderr)."""
    from mock_server.server import ready_text, server_options
    from mock_server.store.redis_backend import reachable

    assert settings.store_url is not None  # Settings.conflict refuses workers without it
    reachable(settings.store_url).close()  # BackendRefused now, not once per worker
    with tempfile.TemporaryDirectory(prefix="ibl-mock-workers-") as work:
        description = Path(work) / "description.json"
        with _environment({**settings.as_env(), DESCRIPTION_ENV: str(description)}):
            config = uvicorn.Config(
                WORKER_APP,
                factory=True,
                workers=settings.workers,
                **server_options(settings),
            )
            sock = config.bind_socket()

            def announce() -> None:
                described = json.loads(description.read_text())
                print(ready_text(settings, described, started), flush=True)

            supervisor = _Supervisor(config, [sock], announce)
            try:
                supervisor.run()
            finally:
                sock.close()
    if supervisor.announced:
        return 0
    return 2 if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes) else 1


class _Supervisor(Multiprocess):
    """uvicorn's supervisor, which also says once when every worker serves."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket], announce: Callable[[], None]):
        super().__init__(config, sockets)
        self._announce = announce
        self.announced = False

    def run(self) -> None:
        self.init_processes()
        while not self.should_exit.wait(0.5 if self.announced else 0.1):
            self.handle_signals()
            if self.should_exit.is_set():
                break
            if self.announced:
                self.keep_subprocess_alive()
            else:
                self._starting()
        self.terminate_all()
        self.join_all()

    def _starting(self) -> None:
        """Until every worker serves: uvicorn's own check pings each worker and waits its whole
        deadline for one that died meanwhile (workers given a bad setting all die at once), so
        a dead one is noticed here, and the pings wait at most a second."""
        for index, process in enumerate(self.processes):
            if process.process.is_alive():
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error(f"Child process [{process.pid}] failed to start, stopping.")
                self.should_exit.set()
                return
            self.processes[index] = Process(self.config, self.sockets)  # as uvicorn would
            self.processes[index].start()
            return
        # One ping at a time on each worker's pipe: here, in the supervising thread. A late
        # answer is read by the next ping; answers only ever go from not ready to ready.
        if all(process.is_ready(timeout=1) for process in self.processes):
            self.announced = True
            self._announce()


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """os.environ with `values` (None: unset) while spawning workers, as it was afterwards."""
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        yield
    finally:
        for name, value in before.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
