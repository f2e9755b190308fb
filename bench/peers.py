"""ibl-mock against Prism on the same document, the same load, in the same run.

    python -m bench.peers [--runs 3] [--seconds 10] [--skip-prism] [--skip-stores]
                          [--skip-redis]                                (or: make bench)

Installs Prism 5.14.2 under bench/.work from npm, and wrk from Debian's packages if missing.
For each run it starts every server, times it to its first answer (with workers: until each
has answered), and drives it with wrk (one thread, 8 connections) from a second process over
the mixes of workload.py, and "create" (POST of the create+read mix's project body, over and
over), after a short unrecorded warm-up of each. It prints medians over the runs and, for the
ratios, the median of each run's own ratio, with the project's targets. Servers:

- Prism 5.14.2, `prism mock` on the document: every mix and create;
- ibl-mock with its defaults (request validation on), started on a warm document cache, after a
  cold start on an empty cache that is only timed: every mix and create;
- ibl-mock --validate-responses: every mix;
- ibl-mock on a document with ten times the paths (synthetic.py), GET mix only;
- ibl-mock --data FILE (SQLite, a new file each run): GET mix and create;
- ibl-mock --store redis://127.0.0.1:PORT/0 with --workers 1, then --workers 2, each on an
  emptied database: GET mix only. The redis-server (Debian's) is started once on a free port,
  as bench/redis_workers.py does; without it these rows are skipped, with a message.

`--skip-stores` leaves out the --data and Redis rows, `--skip-redis` the Redis rows. With the
defaults (3 runs of 10 s per mix) the whole run takes about 13 minutes on a 2-core machine;
`--runs 1` about 5.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager as Context
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path

import orjson
import redis

from bench.load import LoadResult, run_wrk
from bench.redis_workers import redis_server, wait_for_workers
from bench.report import (
    CREATE,
    DATA,
    LARGER,
    MIXES,
    MOCK,
    PRISM,
    REDIS_1,
    REDIS_2,
    VALIDATING,
    table,
)
from bench.servers import (
    WORK,
    Running,
    ensure_prism,
    ensure_wrk,
    free_port,
    mock_command,
    prism_command,
    running,
)
from bench.synthetic import multiply_paths
from bench.workload import Workload, build_workload
from mock_server.spec import load_document
from mock_server.spec.loader import DEFAULT_SPEC_PATH

WARM_UP_SECONDS = 2.0
EVERY_MIX = (*MIXES, CREATE)
GROWING = ("create+read", CREATE)  # they grow the store: memory is read before them

# (server, measure) -> one value per run; measures are "start-up", "cold start-up", "RSS",
# and f"{mix} {req/s|p50|p99|failures}" for each mix of EVERY_MIX.
Figures = dict[tuple[str, str], list[float]]


class Bench:
    def __init__(self, wrk: str, workload: Workload, seconds: float, files: Path) -> None:
        self.wrk = wrk
        self.workload = workload
        self.seconds = seconds
        self.figures: Figures = defaultdict(list)
        self.paths_file = files / "get-mix.txt"
        self.items_file = files / "item-mix.txt"
        self.body_file = files / "create-body.json"
        self.paths_file.write_text("\n".join(workload.get_mix) + "\n")
        self.items_file.write_text("\n".join(workload.item_mix) + "\n")
        self.body_file.write_bytes(workload.create.body)

    def record(self, server: str, measure: str, value: float) -> None:
        self.figures[(server, measure)].append(value)

    def drive(self, server: Running, mixes: tuple[str, ...] = EVERY_MIX) -> None:
        """Each mix, warmed up then timed; peak RSS is read after the read mixes."""
        self.record(server.name, "start-up", server.startup)
        measured = False
        for mix in mixes:
            if mix in GROWING and not measured:
                self.record(server.name, "RSS", server.peak_rss_mb())
                measured = True
            script, args = self._script(mix)
            run_wrk(self.wrk, server.base, script, args, seconds=WARM_UP_SECONDS)
            result = run_wrk(self.wrk, server.base, script, args, seconds=self.seconds)
            self._record_load(server.name, mix, result)
        if not measured:
            self.record(server.name, "RSS", server.peak_rss_mb())

    def _script(self, mix: str) -> tuple[str, list[str]]:
        if mix == "GET mix":
            return "rotate.lua", [str(self.paths_file)]
        if mix == "item reads":
            return "rotate.lua", [str(self.items_file)]
        create = [self.workload.create.collection, str(self.body_file)]
        return ("create.lua" if mix == CREATE else "create_read.lua"), create

    def _record_load(self, server: str, mix: str, result: LoadResult) -> None:
        self.record(server, f"{mix} req/s", result.requests_per_second)
        self.record(server, f"{mix} p50", result.p50_ms)
        self.record(server, f"{mix} p99", result.p99_ms)
        self.record(server, f"{mix} failures", result.failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="per mix and server")
    parser.add_argument("--skip-prism", action="store_true", help="only ibl-mock's figures")
    parser.add_argument(
        "--skip-stores", action="store_true", help="no --data (SQLite) or --store redis rows"
    )
    parser.add_argument("--skip-redis", action="store_true", help="no --store redis rows")
    args = parser.parse_args()
    started = time.perf_counter()

    wrk = ensure_wrk()
    spec = Path(DEFAULT_SPEC_PATH)
    with_prism = not args.skip_prism
    if with_prism:
        ensure_prism()
    WORK.mkdir(exist_ok=True)
    larger_spec = WORK / "ibl-data-manager-x10.json"
    document = load_document(spec).document
    if not larger_spec.exists():
        larger_spec.write_bytes(orjson.dumps(multiply_paths(document, 10)))

    with_redis = not (args.skip_stores or args.skip_redis) and _has_redis()

    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        files = Path(scratch)
        warm_cache = {"IBL_MOCK_CACHE_DIR": str(files / "cache")}
        store = None
        if with_redis:
            (files / "redis").mkdir()
            store = stack.enter_context(redis_server(files / "redis")) + "/0"

        def mock(name: str, *options: str, spec: Path | None = None) -> Context[Running]:
            port = free_port()
            return running(name, mock_command(port, spec, options), port, warm_cache)

        def peer() -> Context[Running | None]:
            if not with_prism:
                return nullcontext(None)
            port = free_port()
            return running(PRISM, prism_command(port, spec), port)

        # Choose the requests once, against both servers; this also fills the warm cache.
        with mock(MOCK) as ours, peer() as theirs:
            workload = build_workload(document, ours.base, [theirs.base] if theirs else [])
        with mock(LARGER, spec=larger_spec):
            pass
        bench = Bench(wrk, workload, args.seconds, files)
        print(_workload_summary(workload), file=sys.stderr)

        for run in range(1, args.runs + 1):
            print(f"run {run} of {args.runs}", file=sys.stderr)
            with peer() as theirs:
                if theirs is not None:
                    bench.drive(theirs)
            with _cold_mock(files / f"empty-cache-{run}") as cold:
                bench.record(MOCK, "cold start-up", cold.startup)
            with mock(MOCK) as ours:
                bench.drive(ours)
            with mock(VALIDATING, "--validate-responses") as ours:
                bench.drive(ours, mixes=MIXES)
            with mock(LARGER, spec=larger_spec) as ours:
                bench.drive(ours, mixes=("GET mix",))
            if not args.skip_stores:
                with mock(DATA, "--data", str(files / f"run-{run}.db")) as ours:
                    bench.drive(ours, mixes=("GET mix", CREATE))
            if store is not None:
                for name, workers in ((REDIS_1, 1), (REDIS_2, 2)):
                    redis.Redis.from_url(store).flushdb()  # each starts on the seeded world
                    options = ("--store", store, "--workers", str(workers))
                    with mock(name, *options) as ours:
                        bench.drive(_every_worker(ours, workers), mixes=("GET mix",))
    print(table(bench.figures, with_prism))
    print(f"\nThe whole run: {(time.perf_counter() - started) / 60:.1f} min", file=sys.stderr)


def _has_redis() -> bool:
    if shutil.which("redis-server"):
        return True
    print(
        "no redis-server: the --store redis rows are skipped "
        "(Debian: `sudo apt-get install redis-server`)",
        file=sys.stderr,
    )
    return False


def _every_worker(server: Running, workers: int) -> Running:
    """The server once each of its workers has answered, its start-up timed until then."""
    waited = time.perf_counter()
    wait_for_workers(server.base, workers)
    return dataclasses.replace(server, startup=server.startup + time.perf_counter() - waited)


@contextmanager
def _cold_mock(empty_cache: Path) -> Iterator[Running]:
    port = free_port()
    env = {"IBL_MOCK_CACHE_DIR": str(empty_cache)}
    with running(MOCK, mock_command(port, None, ()), port, env) as server:
        yield server


def _workload_summary(workload: Workload) -> str:
    return (
        f"GET mix: {len(workload.get_mix)} list/aggregate paths; item reads: "
        f"{len(workload.item_mix)} records; create+read: POST {workload.create.collection}"
    )


if __name__ == "__main__":
    main()
