"""The benchmark reads wrk's report right and takes its ratios within each run."""

from __future__ import annotations

import pytest

from bench.load import parse_wrk
from bench.report import MOCK, PRISM, ratio, table

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.50ms  400.00us  12.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    1.60ms
     90%    2.00ms
     99%    1.20s
  48000 requests in 10.00s, 80.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   4800.12
Transfer/sec:      8.00MB
"""


def test_wrk_report_is_read_in_milliseconds_with_every_failure_counted() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests_per_second == pytest.approx(4800.12)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert (result.requests, result.failures) == (48000, 7)


def test_a_report_without_latencies_is_refused() -> None:
    with pytest.raises(ValueError, match="50% latency"):
        parse_wrk(WRK_OUTPUT.replace("     50%  850.00us\n", ""))


def test_ratios_pair_each_run_with_itself() -> None:
    figures = {
        (MOCK, "GET mix req/s"): [4000.0, 6000.0, 5000.0],
        (PRISM, "GET mix req/s"): [100.0, 200.0, 100.0],
    }
    # Per run: 40, 30, 50 -> median 40 (medians alone would give 5000 / 100 = 50).
    assert ratio(figures, (MOCK, "GET mix req/s"), (PRISM, "GET mix req/s")) == 40.0
    figures[(MOCK, "start-up")] = [1.0, 1.0, 1.0]
    figures[(PRISM, "start-up")] = [4.0, 4.0, 4.0]
    assert "GET mix 40.0x" in table(figures, with_prism=True)
