"""A real `ibl-mock serve` process on a free port, for tests that talk HTTP to it."""

from __future__ import annotations

import collections
import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

import pytest

API_KEY = "test-key"
START_TIMEOUT = 60.0


class MockStartError(RuntimeError):
    """The mock exited or did not print its ready line in time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drain(stream: IO[str], tail: collections.deque[str]) -> None:
    """Keep reading the mock's output so that a full pipe never blocks it; keep the last lines."""
    for line in stream:
        tail.append(line)


@contextlib.contextmanager
def running_mock(*extra_args: str) -> Iterator[str]:
    """Start `ibl-mock serve --validate-responses` on a free port; yield its base URL; stop it."""
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port)]
    command += ["--validate-responses", "--log-level", "warning", *extra_args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy()
    )
    assert process.stdout is not None
    seen: collections.deque[str] = collections.deque(maxlen=200)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise MockStartError("ibl-mock exited:\n" + "".join(seen) + process.stdout.read())
            if time.monotonic() > deadline:
                raise MockStartError("ibl-mock did not become ready:\n" + "".join(seen))
            ready, _, _ = select.select([process.stdout], [], [], 1.0)
            if ready:
                line = process.stdout.readline()
                seen.append(line)
                if line.startswith("ibl-mock ready:"):
                    break
        threading.Thread(target=_drain, args=(process.stdout, seen), daemon=True).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def served_url() -> Iterator[str]:
    """`running_mock()` for a fixture: a mock that fails to start fails the tests using it."""
    try:
        with running_mock() as url:
            yield url
    except MockStartError as error:
        pytest.fail(str(error))
