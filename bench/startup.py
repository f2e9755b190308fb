"""Start-up to first answer and peak memory of `ibl-mock serve`, cold and warm.

Cold: an empty document cache (the YAML is parsed and patched). Warm: the cache written by the
cold start. Each start is timed from process launch to the first 200 on a list operation; peak
RSS (VmHWM) is read after a request to every list/aggregate GET, so the engine's per-operation
validators and caches are built. Medians of --runs starts.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex

PROBE = "/api/ai-mentor/orgs/main/users/admin/disclaimer-agreements/"
HEADERS = {"Authorization": "Api-Key bench"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _list_paths() -> list[str]:
    index = OperationIndex.from_document(load_document().document)
    paths = []
    for operation in index:
        if operation.method == "get" and not operation.path.rstrip("/").endswith("}"):
            path = operation.path
            for name in operation.path_parameter_names:
                path = path.replace("{" + name + "}", "1" if "id" in name else "main")
            paths.append(path)
    return paths


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(cache_dir: str, paths: list[str]) -> tuple[float, float]:
    port = _free_port()
    env = {**os.environ, "IBL_MOCK_CACHE_DIR": cache_dir}
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError("ibl-mock exited during start-up")
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(base + PROBE, headers=HEADERS), timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.01)
            if time.perf_counter() - started > 60:
                raise RuntimeError("no answer within 60 s")
        elapsed = time.perf_counter() - started
        for path in paths:
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(
                    urllib.request.Request(base + path, headers=HEADERS), timeout=10
                ).read()
        return elapsed, _peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paths = _list_paths()
    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache_dir:
            cold.append(one_start(cache_dir, paths))
            warm.append(one_start(cache_dir, paths))
    print(
        f"ibl-mock start-up, median of {args.runs} runs ({len(paths)} list/aggregate GETs "
        "requested before reading peak RSS)"
    )
    print(f"{'':6} {'first answer':>13} {'peak RSS':>10}")
    for name, runs in (("cold", cold), ("warm", warm)):
        seconds = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        print(f"{name:6} {seconds:>11.2f} s {rss:>7.0f} MB")


if __name__ == "__main__":
    main()
