"""A pytest plugin, installed with the package: the fixture `ibl_mock`, no server to babysit.

    def test_lists_are_empty_at_first(ibl_mock):
        answer = httpx.get(f"{ibl_mock.url}/api/ai-mentor/orgs/main/users/nora-new/projects/",
                           headers=ibl_mock.headers("main", "alice"))
        assert answer.json()["count"] == 0

The first test that asks for it starts one `ibl-mock serve` on a free port (one per pytest-xdist
worker), which stops when the run ends. Every test gets a session of its own (a clean world:
the seeded store, no overrides, no chaos, an empty journal), named in `ibl_mock.headers()` as
`X-Mock-Session`, and dropped when the test ends; the default session is reset as well, for
requests that name none. `ibl_mock.control` is the control client of the test's session
(`mock_server.control.MockControl`). Options for the server go in the ini option
`ibl_mock_args` (e.g. `ibl_mock_args = --seed 7 --validate-responses`). With the environment
variable IBL_MOCK_URL set, the fixture starts nothing and uses the mock running there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_server.control import SESSION_HEADER, ControlError, MockControl

START_TIMEOUT = 60.0
SHARED_URL_VARIABLE = "IBL_MOCK_URL"
READY = "ibl-mock ready:"


@dataclass(frozen=True)
class IblMock:
    url: str  # e.g. http://127.0.0.1:54321
    control: MockControl  # acting on `session`
    session: str  # this test's own: send it as X-Mock-Session (`headers()` does)

    def headers(self, tenant: str = "main", username: str | None = None) -> dict[str, str]:
        """`Authorization` of a demo tenant or user, and `X-Mock-Session` of this test."""
        return {
            "Authorization": self.authorization(tenant, username),
            SESSION_HEADER: self.session,
        }

    def authorization(self, tenant: str = "main", username: str | None = None) -> str:
        """The `Authorization` value of a demo tenant's key, or of one of its users."""
        from mock_server.fixtures import DEFAULT_WORLD_PATH, load_world

        for found in load_world(DEFAULT_WORLD_PATH).tenants:
            if found.name != tenant:
                continue
            if username is None:
                return found.authorization
            for user in found.users:
                if user.username == username:
                    return user.authorization
        raise LookupError(f"no demo {'user ' + username if username else 'tenant'} in {tenant}")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("ibl_mock_args", "options for the ibl-mock server of the ibl_mock fixture")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MockStartError(RuntimeError):
    """The mock exited, or did not print its ready line in time; the message ends with its log."""


@contextlib.contextmanager
def serving(options: Sequence[str], log: Path, *, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """`ibl-mock serve` on a free port, its output in `log`; yields its base URL, then stops it.

    The output goes to a file, not a pipe, so that nothing has to keep reading it."""
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port), *options]
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while READY not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                state = "exited" if process.poll() is not None else "did not become ready"
                raise MockStartError(f"ibl-mock {state}:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, and SIGKILL if it has not exited within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def ibl_mock_server(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of this run's (or this worker's) mock; its log is under pytest's
    temporary directory, and shown if it does not start. With IBL_MOCK_URL set, the mock
    already running there, shared by every worker (each test has its own session)."""
    shared = os.environ.get(SHARED_URL_VARIABLE)
    if shared:
        yield shared.rstrip("/")
        return
    options = shlex.split(str(pytestconfig.getini("ibl_mock_args") or ""))
    log = tmp_path_factory.mktemp("ibl-mock") / "server.log"
    try:
        with serving(options, log) as url:
            yield url
    except MockStartError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def ibl_mock(ibl_mock_server: str, request: pytest.FixtureRequest) -> Iterator[IblMock]:
    """The run's mock: a session of this test's own, and the default session reset."""
    default = MockControl(ibl_mock_server)
    default.reset()
    default.clear_overrides()
    default.set_settings(latency=None, error_rate=0.0)
    default.clear_requests()
    name = session_name(request.node.nodeid)
    yield IblMock(ibl_mock_server, default.in_session(name), name)
    with contextlib.suppress(ControlError):  # never used: nothing to drop
        default.drop_session(name)


def session_name(nodeid: str) -> str:
    """A valid session name for a test: readable, and unique by a digest of its node id."""
    readable = re.sub(r"[^A-Za-z0-9._:-]+", "-", nodeid.rsplit("/", 1)[-1])[:60].strip("-.:")
    digest = hashlib.blake2b(nodeid.encode(), digest_size=6).hexdigest()
    return f"{digest}-{readable}" if readable else digest
