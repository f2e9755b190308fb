"""`python -m mock_server serve` starts a real server, says so once, and answers over TCP."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

READY = "ibl-mock ready: 1176 operations from ibl-data-manager 4.90.4-ai-plus on http://127.0.0.1:"
STARTUP_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment_without_options() -> dict[str, str]:
    """The environment minus IBL_MOCK_* options (a stray IBL_MOCK_HOST would move the server)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("IBL_MOCK_") or key == "IBL_MOCK_CACHE_DIR"
    }


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.lines: queue.Queue[str] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**_environment_without_options(), "PYTHONUNBUFFERED": "1"},
        )
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float) -> tuple[str, list[str]]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if not self._pump_thread.is_alive():  # the output has ended
                    break
                continue
            seen.append(line)
            if line.startswith(prefix):
                return line, seen
        raise AssertionError(f"no line starting {prefix!r}; output so far: {seen[-20:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server(_free_port())
    try:
        yield running
    finally:
        running.stop()


def test_serve_announces_readiness_and_answers(server: Server) -> None:
    line, _ = server.wait_for("ibl-mock ready:", STARTUP_TIMEOUT)
    assert line.startswith(READY), line
    assert line.startswith(f"{READY}{server.port} "), line
    base_url = f"http://127.0.0.1:{server.port}"
    response = httpx.get(
        f"{base_url}/api/ai-mentor/orgs/main/users/alice/custom-instruction/",
        headers={"Authorization": "Api-Key test-key"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["x-mock-operation-id"] == (
        "ai_mentor_orgs_users_custom_instruction_retrieve"
    )
    assert isinstance(response.json()["id"], int)
    assert httpx.get(f"{base_url}/openapi.json", timeout=30).status_code == 200
    docs_line, _ = server.wait_for("  docs: ", 5)
    assert docs_line == f"  docs: {base_url}/docs/"

    server.stop()  # SIGTERM, then a bounded wait
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert server.process.returncode in (0, -signal.SIGTERM)
    server.wait_for("INFO:     Application shutdown complete", 5)
