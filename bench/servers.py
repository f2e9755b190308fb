"""Start the servers under test, time them to their first answer, and read their memory."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mock_server.pytest_plugin import stop

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
PRISM_VERSION = "5.14.2"
PRISM = WORK / "node_modules" / ".bin" / "prism"
PROBE = "/api/ai-mentor/orgs/main/users/admin/disclaimer-agreements/"
HEADERS = {"Authorization": "Api-Key bench"}


@dataclass
class Running:
    name: str
    base: str
    pid: int
    startup: float  # seconds from launch to the first 200 on PROBE

    def peak_rss_mb(self) -> float:
        """The high-water resident sets (VmHWM) of the process and its descendants (the
        workers of `--workers N`), summed, in MB."""
        total = 0
        for pid in _tree(self.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:  # exited meanwhile
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        return total / 1024 if total else float("nan")


def _tree(pid: int) -> list[int]:
    """`pid` and every process descended from it, from /proc's lists of children."""
    found = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            for child in children.read_text().split():
                found += _tree(int(child))
        except FileNotFoundError:
            continue
    return found


def ensure_prism() -> Path:
    """Prism from the npm registry, installed once under bench/.work."""
    if not PRISM.exists():
        WORK.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "--silent",
             f"@stoplight/prism-cli@{PRISM_VERSION}"],
            check=True,
        )  # fmt: skip
    return PRISM


def ensure_wrk() -> str:
    """wrk, from Debian's packages when it is missing and we may install it."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("the benchmark needs wrk: `sudo apt-get install wrk`")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mock_command(port: int, spec: Path | None, options: Sequence[str]) -> list[str]:
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port)]
    command += ["--log-level", "warning", *options]
    return command + (["--spec", str(spec)] if spec else [])


def prism_command(port: int, spec: Path) -> list[str]:
    return [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)]


@contextmanager
def running(
    name: str, command: list[str], port: int, env: dict[str, str] | None = None
) -> Iterator[Running]:
    """Launch `command`, wait for its first 200 on PROBE, yield it, and stop it."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_answer(process, base, started)
        yield Running(name, base, process.pid, time.perf_counter() - started)
    finally:
        stop(process)


def _wait_for_answer(process: subprocess.Popen[bytes], base: str, started: float) -> None:
    request = urllib.request.Request(base + PROBE, headers=HEADERS)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited during start-up")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.01)
        if time.perf_counter() - started > 120:
            raise RuntimeError(f"{process.args!r}: no answer within 120 s")
