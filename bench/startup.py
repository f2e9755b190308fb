"""Start-up to first answer and peak memory of `ibl-mock serve`, cold and warm.

Cold: an empty document cache (the YAML is parsed and patched). Warm: the cache written by the
cold start. Each start is timed from process launch to the first 200 on a list operation; peak
RSS (VmHWM) is read after a request to every list/aggregate GET, so the engine's per-operation
validators and caches are built. Medians of --runs starts.

The floor under both: a Python process that only imports the dependencies every start needs
(printed as `imports`), so a start-up figure can be read against what the machine allows.

    python -m bench.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from bench.servers import HEADERS, free_port, mock_command, running
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex


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


def one_start(cache_dir: str, paths: list[str]) -> tuple[float, float]:
    port = free_port()
    env = {"IBL_MOCK_CACHE_DIR": cache_dir}
    with running("ibl-mock", mock_command(port, None, ()), port, env) as server:
        for path in paths:
            with contextlib.suppress(urllib.error.HTTPError):
                request = urllib.request.Request(server.base + path, headers=HEADERS)
                urllib.request.urlopen(request, timeout=10).read()
        return server.startup, server.peak_rss_mb()


# What `ibl-mock serve` cannot start without, before any of its own code runs.
DEPENDENCIES = "import connexion, openapi_core, openapi_schema_validator, faker, uvicorn, orjson"


def dependency_import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-W", "ignore", "-c", DEPENDENCIES], check=True)
    return time.perf_counter() - started


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
    imports = statistics.median(dependency_import_seconds() for _ in range(args.runs))
    print(
        f"ibl-mock start-up, median of {args.runs} runs ({len(paths)} list/aggregate GETs "
        "requested before reading peak RSS)"
    )
    print(f"{'':6} {'first answer':>13} {'peak RSS':>10}")
    for name, runs in (("cold", cold), ("warm", warm)):
        seconds = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        print(f"{name:6} {seconds:>11.2f} s {rss:>7.0f} MB")
    print(f"{'imports':7} {imports:>10.2f} s   (the dependencies alone: {DEPENDENCIES})")


if __name__ == "__main__":
    main()
