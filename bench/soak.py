"""A bounded soak: a mix of reads and writes for N minutes, throughput and memory over time.

Starts `ibl-mock serve`, then one wrk run (bench/lua/soak.lua) of the whole length: GET lists
and items, POST projects, PATCH, read back and DELETE the projects it created (at most 64 live
at once, so the store stays about the same size), across the world's tenants `main` and
`northwind-academy` and five of their users. wrk writes each second's answers to a file; the
server's VmRSS is read every window. The target: the last minute's throughput within 10% of the
first's, RSS growth after the first minute under 10%.

    python -m bench.soak [--minutes 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.load import LUA, parse_wrk
from bench.servers import ensure_wrk, free_port, mock_command, running
from bench.workload import (
    CREATE_COLLECTION,
    WORLD_VALUES,
    _first_id,
    _spread,
    fill,
    get_candidates,
    status_of,
)
from mock_server.model import ResourceKind, infer_resources
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex, is_template_segment, segments
from mock_server.synthesis import Synthesizer

SCOPES = (
    ("main", "admin"),
    ("main", "alice"),
    ("main", "bob"),
    ("northwind-academy", "nora"),
    ("northwind-academy", "dmitri"),
)
LISTS_PER_SCOPE = 10
ITEMS_PER_TENANT = 12
TARGET = 0.10


@dataclass(frozen=True)
class Window:
    start: float  # seconds since the load began
    requests: int
    refused: int  # answers of 400 and above
    seconds: float
    rss_mb: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def scope_values(org: str, user: str) -> dict[str, str]:
    return {
        **WORLD_VALUES,
        **dict.fromkeys(("org", "platform_key", "org_id"), org),
        **dict.fromkeys(("user_id", "username", "user"), user),
    }


def build_inputs(document: Mapping[str, object], base: str, into: Path) -> dict[str, Path]:
    """The files soak.lua reads: list paths, item paths, create collections and a body."""
    index = OperationIndex.from_document(document)
    lists: list[str] = []
    for org, user in SCOPES:
        values = scope_values(org, user)
        # spread first, then keep what answers: checking every candidate takes minutes
        candidates = _spread(get_candidates(index, values), LISTS_PER_SCOPE * 2)
        lists += [p for p in candidates if status_of(base, p) < 300][:LISTS_PER_SCOPE]
    model = infer_resources(index, document)
    items: list[str] = []
    for org in ("main", "northwind-academy"):
        values = scope_values(org, "admin" if org == "main" else "nora")
        found = []
        for role in model.roles.values():
            if role.kind is not ResourceKind.ITEM or role.method != "get" or not role.id_field:
                continue
            if role.collection_path is None:
                continue
            template, id_field = role.path, role.id_field
            collection = fill(role.collection_path, values)
            if collection is None or status_of(base, collection) >= 300:
                continue
            record_id = _first_id(base, collection, id_field)
            if record_id is None:
                continue
            name = next(s[1:-1] for s in reversed(segments(template)) if is_template_segment(s))
            path = fill(template, {**values, name: urllib.parse.quote(record_id, safe="")})
            if path is not None and status_of(base, path) < 300:
                found.append(path)
        items += _spread(found, ITEMS_PER_TENANT)
    collections = [fill(CREATE_COLLECTION, scope_values(o, u)) or "" for o, u in SCOPES]
    operation = index.by_path[CREATE_COLLECTION]["post"]
    assert operation.request_body is not None
    schema = operation.request_body["content"]["application/json"]["schema"]
    body = Synthesizer(document).value(schema, key="soak", direction="request")
    body["name"] = "__NAME__"
    for collection in collections:
        sent = json.dumps({**body, "name": "soak-probe"}).encode()
        status = status_of(base, collection, "POST", sent)
        if status != 201:
            raise SystemExit(f"POST {collection} answered {status}, not 201")
    files = {
        "lists": "\n".join(lists),
        "items": "\n".join(items),
        "collections": "\n".join(collections),
        "body": json.dumps(body),
    }
    paths = {}
    for name, text in files.items():
        paths[name] = into / f"{name}.txt"
        paths[name].write_text(text + "\n")
    return paths


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def windows(
    counts: Path, started: float, rss: list[tuple[float, float]], width: float
) -> list[Window]:
    """Per-second counts from soak.lua, summed into windows of `width` seconds."""
    per_window: dict[int, list[int]] = {}
    for line in counts.read_text().splitlines():
        second, answered, refused = (int(n) for n in line.split())
        slot = int((second - started) // width)
        if slot < 0:
            continue
        totals = per_window.setdefault(slot, [0, 0])
        totals[0] += answered
        totals[1] += refused
    found = []
    for slot in sorted(per_window)[:-1]:  # the last one is cut short by the end of the run
        start = slot * width
        after = [mb for t, mb in rss if t >= start + width] or [rss[-1][1]]
        answered, refused = per_window[slot]
        found.append(Window(start, answered, refused, width, after[0]))
    return found


def minute_rate(found: list[Window], first: bool) -> float:
    chosen = [w for w in found if w.start < 60] if first else None
    if not first:
        end = found[-1].start + found[-1].seconds
        chosen = [w for w in found if w.start >= end - 60]
    assert chosen
    return sum(w.requests for w in chosen) / sum(w.seconds for w in chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--window", type=float, default=10, help="seconds per sample")
    args = parser.parse_args()
    if args.minutes < 2:
        raise SystemExit("--minutes must be at least 2: a first and a last minute")
    wrk = ensure_wrk()
    document = load_document().document
    port = free_port()
    with (
        running("ibl-mock", mock_command(port, None, []), port) as server,
        tempfile.TemporaryDirectory(prefix="ibl-soak-") as work,
    ):
        inputs = build_inputs(document, server.base, Path(work))
        counts = Path(work) / "counts.txt"
        seconds = int(args.minutes * 60)
        command = [
            wrk, "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s",
            "--latency", "-s", str(LUA / "soak.lua"), server.base, "--",
            str(inputs["lists"]), str(inputs["items"]), str(inputs["collections"]),
            str(inputs["body"]), str(counts),
        ]  # fmt: skip
        print(
            f"soak: {args.minutes:g} min, {args.connections} connections, "
            f"{len(inputs['lists'].read_text().split())} list paths, "
            f"{len(inputs['items'].read_text().split())} item paths, {len(SCOPES)} scopes; "
            f"RSS at start {rss_mb(server.pid):.1f} MB",
            flush=True,
        )
        started = time.time()
        load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        rss: list[tuple[float, float]] = []
        while load.poll() is None:
            rss.append((time.time() - started, rss_mb(server.pid)))
            time.sleep(min(args.window, 1.0))
        output = load.stdout.read() if load.stdout else ""
        rss.append((time.time() - started, rss_mb(server.pid)))
        found = windows(counts, started, rss, args.window)
    result = parse_wrk(output)
    report(found, result.failures, result.p50_ms, result.p99_ms)


def report(found: list[Window], failures: int, p50: float, p99: float) -> None:
    for w in found:
        print(f"  {w.start:6.0f}s  {w.rate:8.1f} req/s  {w.refused:5d} refused  {w.rss_mb:7.1f} MB")
    first, last = minute_rate(found, True), minute_rate(found, False)
    after_first = next(w.rss_mb for w in found if w.start + w.seconds >= 60)
    end = found[-1].rss_mb
    slowest = min(found, key=lambda w: w.rate)
    ratio, growth = last / first, (end - after_first) / after_first
    stop = slowest.start + slowest.seconds
    print(f"throughput: first minute {first:.1f} req/s, last minute {last:.1f} req/s", end="")
    print(f", ratio {ratio:.3f}")
    print(f"RSS: after the first minute {after_first:.1f} MB, at the end {end:.1f} MB", end="")
    print(f", growth {growth:+.1%}")
    print(f"slowest window: {slowest.start:.0f}s-{stop:.0f}s, {slowest.rate:.1f} req/s")
    print(f"wrk: p50 {p50:.2f} ms, p99 {p99:.2f} ms, {failures} answers outside 2xx/3xx or errors")
    ok = ratio >= 1 - TARGET and growth < TARGET
    print(f"target (throughput within 10%, RSS growth under 10%): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
