"""Creates per second with `--data` (SQLite, every write synced before it is answered) beside
the in-memory store, in the same run.

    python -m bench.sqlite_creates [--runs 3] [--seconds 10] [--connections 8]
    (or: make bench-sqlite)

Each run starts ibl-mock with its defaults, then with `--data FILE` on a new file in a
temporary directory, and drives each with wrk (one thread, 8 connections) POSTing the
benchmark's project body (workload.py) over and over, after a short unrecorded warm-up; an
answer other than a 2xx counts as a failure. It prints medians over the runs and the median of
each run's own ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.load import LoadResult, run_wrk
from bench.servers import ensure_wrk, free_port, mock_command, running
from bench.workload import _create_then_read  # the body the peers benchmark creates with
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex
from mock_server.spec.loader import DEFAULT_SPEC_PATH

WARM_UP_SECONDS = 2.0
MEMORY = "in memory"
DATA = "--data (SQLite)"


def measure(
    wrk: str, options: list[str], create: list[str], env: dict[str, str], seconds: float, c: int
) -> LoadResult:
    """Creates/s of one ibl-mock started with `options`, after a warm-up."""
    port = free_port()
    with running("ibl-mock", mock_command(port, None, options), port, env) as server:
        run_wrk(wrk, server.base, "create.lua", create, seconds=WARM_UP_SECONDS)
        return run_wrk(wrk, server.base, "create.lua", create, seconds=seconds, connections=c)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="per server and run")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    wrk = ensure_wrk()
    document = load_document(Path(DEFAULT_SPEC_PATH)).document
    body = _create_then_read(document, OperationIndex.from_document(document))
    results: dict[str, list[LoadResult]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as scratch:
        files = Path(scratch)
        (files / "create-body.json").write_bytes(body.body)
        create = [body.collection, str(files / "create-body.json")]
        env = {"IBL_MOCK_CACHE_DIR": str(files / "cache")}
        for run in range(1, args.runs + 1):
            print(f"run {run} of {args.runs}", file=sys.stderr)
            data = files / f"run-{run}.db"
            for name, options in ((MEMORY, []), (DATA, ["--data", str(data)])):
                result = measure(wrk, options, create, env, args.seconds, args.connections)
                results[name].append(result)
                print(f"  {name}: {result.requests_per_second:,.0f} creates/s", file=sys.stderr)
            size = sum(p.stat().st_size for p in files.glob(f"{data.name}*"))
            print(f"  {data.name} and its -wal: {size / 1e6:.1f} MB", file=sys.stderr)
    print(report(results, args))


def report(results: dict[str, list[LoadResult]], args: argparse.Namespace) -> str:
    lines = [
        f"POST (create) only, wrk -t1 -c{args.connections}, {args.seconds:g} s after "
        f"{WARM_UP_SECONDS:g} s warm-up; medians of {args.runs} run(s)",
        "",
        "| store | creates/s | p50 | p99 | failures |",
        "|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        lines.append(
            f"| {name} | {statistics.median(r.requests_per_second for r in runs):,.0f} "
            f"| {statistics.median(r.p50_ms for r in runs):.1f} ms "
            f"| {statistics.median(r.p99_ms for r in runs):.1f} ms "
            f"| {sum(r.failures for r in runs)} |"
        )
    ratios = [
        d.requests_per_second / m.requests_per_second
        for m, d in zip(results[MEMORY], results[DATA], strict=True)
    ]
    lines += ["", f"creates/s, --data / in memory: {statistics.median(ratios):.2f}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
