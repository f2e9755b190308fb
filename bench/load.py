"""Drive a server with wrk from a second process and read what wrk reports."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int  # answers outside 2xx/3xx, plus socket errors and timeouts


def run_wrk(
    wrk: str,
    base: str,
    script: str,
    script_args: list[str],
    *,
    seconds: float,
    connections: int = 8,
) -> LoadResult:
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "--latency",
        "-s", str(LUA / script), base, "--", *script_args,
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> LoadResult:
    def latency(percent: str) -> float:
        found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if found is None:
            raise ValueError(f"no {percent}% latency in wrk's output:\n{output}")
        return float(found[1]) * _UNITS[found[2]]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    if rate is None or total is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    failures = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        failures += int(non_2xx[1])
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)  # fmt: skip
    if errors:
        failures += sum(int(n) for n in errors.groups())
    return LoadResult(float(rate[1]), latency("50"), latency("99"), int(total[1]), failures)
