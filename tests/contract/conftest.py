"""A real `ibl-mock serve` process for the contract tests to talk to over HTTP."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def mock_server_url() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port)]
    command += ["--validate-responses", "--log-level", "warning"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy()
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    seen: list[str] = []
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1.0)
            if ready:
                line = process.stdout.readline()
                seen.append(line)
                if line.startswith("ibl-mock ready:"):
                    break
            if process.poll() is not None:
                break
        else:
            pytest.fail("ibl-mock did not become ready:\n" + "".join(seen))
        if process.poll() is not None:
            pytest.fail("ibl-mock exited:\n" + "".join(seen) + process.stdout.read())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
