"""What sharing state through Redis costs and what a second worker buys, on the GET mix.

Three mocks serve the benchmark's GET mix (bench/workload.py) in one run, measured in turns so
that the machine's drift falls on all of them alike: the in-memory store (one process);
`--store redis://` with one worker; and with `--workers 2`. Each request enters its session,
which costs one round trip to Redis (`since()`: what other workers wrote, a GET while nothing
changed); the last lines say how many commands a request sent Redis and how long Redis spent
in each. The targets: Redis with one worker at least 0.5x the in-memory store, two workers at
least 1.5x one.

    python -m bench.redis_workers [--seconds 10] [--rounds 3]      (or: make bench-redis)

Needs wrk and redis-server (Debian: apt-get install wrk redis-server); starts its own Redis on
a free port, keeping nothing on disk.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis

from bench.load import LoadResult, run_wrk
from bench.servers import HEADERS, PROBE, Running, ensure_wrk, free_port, mock_command, running
from bench.workload import GET_MIX_SIZE, _answered_by_all, _spread, get_candidates
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex

MEMORY, REDIS_1, REDIS_2 = "memory", "redis, 1 worker", "redis, 2 workers"
TARGETS = ((REDIS_1, MEMORY, 0.5), (REDIS_2, REDIS_1, 1.5))
WARM_UP_SECONDS = 2.0


@contextmanager
def redis_server(work: Path) -> Iterator[str]:
    """A redis-server on a free port, nothing saved; yields its URL without a database."""
    found = shutil.which("redis-server")
    if found is None:
        raise SystemExit("the benchmark needs redis-server: `sudo apt-get install redis-server`")
    port = free_port()
    process = subprocess.Popen(
        [found, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(work)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_workers(base: str, count: int) -> None:
    """`running` returns at the first answer; with workers, wait until each has given one."""
    seen: set[str] = set()
    for _ in range(600):
        request = urllib.request.Request(base + PROBE, headers={**HEADERS, "Connection": "close"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            seen.add(answer.headers.get("X-Mock-Worker", "-"))
        if len(seen) >= count:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{base}: only {len(seen)} of {count} workers answered")


def command_stats(url: str) -> dict[str, tuple[int, float]]:
    """Per command: calls so far, and Redis's own time in them (µs)."""
    stats = redis.Redis.from_url(url).info("commandstats")
    return {
        name.removeprefix("cmdstat_"): (int(found["calls"]), float(found["usec"]))
        for name, found in stats.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    wrk = ensure_wrk()
    index = OperationIndex.from_document(load_document().document)
    results: dict[str, list[LoadResult]] = {MEMORY: [], REDIS_1: [], REDIS_2: []}
    commands: dict[str, list[float]] = {}  # in the Redis rounds: command -> [calls, µs]
    requests = {REDIS_1: 0, REDIS_2: 0}
    with tempfile.TemporaryDirectory(prefix="ibl-bench-redis-") as work, ExitStack() as stack:
        store = stack.enter_context(redis_server(Path(work)))
        servers: dict[str, Running] = {}
        for name, options, workers in (
            (MEMORY, [], 1),
            (REDIS_1, ["--store", f"{store}/0"], 1),
            (REDIS_2, ["--store", f"{store}/1", "--workers", "2"], 2),
        ):  # one after another: the first fills the document cache the others read
            port = free_port()
            servers[name] = stack.enter_context(
                running(name, mock_command(port, None, options), port)
            )
            wait_for_workers(servers[name].base, workers)
        bases = [server.base for server in servers.values()]
        mix = _spread(_answered_by_all(get_candidates(index), bases), GET_MIX_SIZE)
        paths = Path(work) / "paths.txt"
        paths.write_text("\n".join(mix) + "\n")

        def measure(name: str, seconds: float) -> LoadResult:
            base = servers[name].base
            return run_wrk(
                wrk, base, "rotate.lua", [str(paths)], seconds=seconds, connections=args.connections
            )

        for name in servers:
            measure(name, WARM_UP_SECONDS)
        for _ in range(args.rounds):
            for name in servers:
                before = command_stats(store)
                result = measure(name, args.seconds)
                results[name].append(result)
                if name in requests:
                    requests[name] += result.requests
                    for command, (calls, spent) in command_stats(store).items():
                        counted = commands.setdefault(command, [0.0, 0.0])
                        counted[0] += calls - before.get(command, (0, 0.0))[0]
                        counted[1] += spent - before.get(command, (0, 0.0))[1]
    print(report(results, commands, sum(requests.values()), args, len(mix)))


def report(
    results: dict[str, list[LoadResult]],
    commands: dict[str, list[float]],
    requests: int,
    args: argparse.Namespace,
    paths: int,
) -> str:
    lines = [
        f"GET mix ({paths} paths), wrk -t1 -c{args.connections}, {args.rounds} rounds of "
        f"{args.seconds:g} s, medians:",
        "",
        "| store | req/s | p50 | p99 | failures | rounds (req/s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, found in results.items():
        rates = [r.requests_per_second for r in found]
        lines.append(
            f"| {name} | {statistics.median(rates):,.0f} "
            f"| {statistics.median(r.p50_ms for r in found):.1f} ms "
            f"| {statistics.median(r.p99_ms for r in found):.1f} ms "
            f"| {sum(r.failures for r in found)} | {', '.join(f'{r:,.0f}' for r in rates)} |"
        )
    lines.append("")
    for top, bottom, target in TARGETS:
        ratios = [
            a.requests_per_second / b.requests_per_second
            for a, b in zip(results[top], results[bottom], strict=True)
        ]
        value = statistics.median(ratios)
        verdict = "met" if value >= target else "NOT met"
        lines.append(f"- {top} / {bottom}: {value:.2f}x (target >= {target}x: {verdict})")
    sent = sorted(
        ((name, calls, spent) for name, (calls, spent) in commands.items() if calls > 0),
        key=lambda found: -found[1],
    )
    if requests and sent:
        shown = ", ".join(
            f"{name} {calls / requests:.2f} ({spent / calls:.1f} µs each)"
            for name, calls, spent in sent
        )
        lines.append(f"- Redis commands per request (both Redis stores): {shown}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
