"""A throwaway `redis-server` for the tests of `--store redis://`: one per test process, on a
free port, keeping nothing on disk beyond its temporary directory.

    from redis_server import redis_url  # the fixture: redis://127.0.0.1:PORT/0

Emptying the database between users (FLUSHDB) is theirs to do. Without `redis-server` on PATH
the tests that need it are skipped, unless IBL_MOCK_REQUIRE_SERVICES=1 (CI) makes it a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.pytest_plugin import stop

MISSING = "redis-server is not installed: apt-get install redis-server"
START_TIMEOUT = 20.0

__all__ = ["MISSING", "redis_url", "running_redis"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def running_redis(work: Path) -> Iterator[str]:
    """`redis-server` on a free port, its files and log in `work`; yields its URL (db 0)."""
    server = shutil.which("redis-server")
    if server is None:
        raise FileNotFoundError(MISSING)
    port = _free_port()
    command = [
        server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(work), "--logfile", str(work / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = work / "redis.log"
                raise RuntimeError(
                    "redis-server did not start:\n"
                    + (log.read_text(errors="replace")[-2000:] if log.exists() else "")
                )
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """This test process's Redis; FLUSHDB before use is the test's job."""
    if shutil.which("redis-server") is None:
        if os.environ.get("IBL_MOCK_REQUIRE_SERVICES") == "1":
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    with (
        tempfile.TemporaryDirectory(prefix="ibl-mock-redis-") as work,
        running_redis(Path(work)) as url,
    ):
        yield url
