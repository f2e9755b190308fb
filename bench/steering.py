"""What steering costs: the GET mix with no steering, with one override elsewhere, and before.

One mock serves three rounds of the benchmark's GET mix (bench/workload.py), interleaved so
that the machine's drift falls on all of them alike: no steering in use; one override
installed on an operation the mix never calls (`POST /__mock__/overrides`); and, with
`--baseline DIR` (a checkout of an earlier revision, e.g. made with `git worktree add`), that
checkout's mock on the same mix. The targets: one override elsewhere within 10% of none, and
no steering within 5% of the baseline.

    python -m bench.steering [--seconds 10] [--rounds 3] [--baseline /tmp/ibl-mock-before]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench.load import run_wrk
from bench.servers import HEADERS, ensure_wrk, free_port, mock_command, running
from bench.workload import GET_MIX_SIZE, _answered_by_all, _spread, get_candidates
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex

# An operation the GET mix cannot call (a create), so the override is looked up and not taken.
ELSEWHERE = "ai_mentor_orgs_users_projects_create"


def install_override(base: str) -> str:
    body = json.dumps({"operation": ELSEWHERE, "status": 400}).encode()
    request = urllib.request.Request(
        f"{base}/__mock__/overrides",
        data=body,
        method="POST",
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.load(answer)["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="checkout to compare with")
    args = parser.parse_args()
    wrk = ensure_wrk()
    index = OperationIndex.from_document(load_document().document)
    rates: dict[str, list[float]] = {"none": [], "override elsewhere": []}
    with tempfile.TemporaryDirectory(prefix="ibl-steering-") as work:
        paths = Path(work) / "paths.txt"
        port = free_port()
        with running("ibl-mock", mock_command(port, None, []), port) as mock:
            mix = _spread(_answered_by_all(get_candidates(index), [mock.base]), GET_MIX_SIZE)
            paths.write_text("\n".join(mix) + "\n")

            def measure() -> float:
                result = run_wrk(wrk, mock.base, "rotate.lua", [str(paths)], seconds=args.seconds)
                return result.requests_per_second

            measure()  # warm up
            override = None
            for _ in range(args.rounds):
                rates["none"].append(measure())
                override = install_override(mock.base)
                rates["override elsewhere"].append(measure())
                delete = urllib.request.Request(
                    f"{mock.base}/__mock__/overrides/{override}", method="DELETE", headers=HEADERS
                )
                urllib.request.urlopen(delete, timeout=10).close()
        if args.baseline is not None:
            rates["baseline"] = baseline_rates(args, wrk, paths)
    report(rates)


def baseline_rates(args: argparse.Namespace, wrk: str, paths: Path) -> list[float]:
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port)]
    command += ["--log-level", "warning"]
    env = {"PYTHONPATH": str(args.baseline.resolve())}
    os.environ.setdefault("IBL_MOCK_CACHE_DIR", tempfile.mkdtemp(prefix="ibl-steering-cache-"))
    with running("baseline", command, port, env=env) as before:
        run_wrk(wrk, before.base, "rotate.lua", [str(paths)], seconds=args.seconds)
        return [
            run_wrk(
                wrk, before.base, "rotate.lua", [str(paths)], seconds=args.seconds
            ).requests_per_second
            for _ in range(args.rounds)
        ]


def report(rates: dict[str, list[float]]) -> None:
    median = {name: statistics.median(found) for name, found in rates.items()}
    for name, found in rates.items():
        shown = ", ".join(f"{rate:.0f}" for rate in found)
        print(f"  {name:20} median {median[name]:7.0f} req/s  ({shown})")
    elsewhere = median["override elsewhere"] / median["none"]
    print(f"one override elsewhere / none: {elsewhere:.3f} (target at least 0.90)")
    if "baseline" in median:
        unused = median["none"] / median["baseline"]
        print(f"no steering / baseline: {unused:.3f} (target at least 0.95)")


if __name__ == "__main__":
    main()
