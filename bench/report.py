"""The benchmark's table: medians over the runs, and ratios taken within each run."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

PRISM = "Prism 5.14.2"
MOCK = "ibl-mock"
VALIDATING = "ibl-mock --validate-responses"
LARGER = "ibl-mock 10x paths"
DATA = "ibl-mock --data (SQLite)"
REDIS_1 = "ibl-mock --store redis, 1 worker"
REDIS_2 = "ibl-mock --store redis, 2 workers"
SERVERS = (PRISM, MOCK, VALIDATING, LARGER, DATA, REDIS_1, REDIS_2)
MIXES = ("GET mix", "item reads", "create+read")
CREATE = "create"  # POST of the project body only, over and over
COLUMNS = (*MIXES, CREATE)
# The project's targets: (top, bottom, the least top / bottom may be).
TARGETS = (
    ((REDIS_1, "GET mix req/s"), (MOCK, "GET mix req/s"), 0.5),
    ((REDIS_2, "GET mix req/s"), (REDIS_1, "GET mix req/s"), 1.5),
    ((DATA, f"{CREATE} req/s"), (PRISM, f"{CREATE} req/s"), 10.0),
)

Figures = Mapping[tuple[str, str], Sequence[float]]


def median(figures: Figures, server: str, measure: str) -> float | None:
    values = figures.get((server, measure))
    return statistics.median(values) if values else None


def ratio(figures: Figures, top: tuple[str, str], bottom: tuple[str, str]) -> float | None:
    """Median over runs of top/bottom, each run's pair measured in that run."""
    pairs = list(zip(figures.get(top, ()), figures.get(bottom, ()), strict=False))
    values = [a / b for a, b in pairs if b]
    return statistics.median(values) if values else None


def _cell(value: float | None, unit: str = "", digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def table(figures: Figures, with_prism: bool) -> str:
    runs = max((len(v) for v in figures.values()), default=0)
    servers = [s for s in SERVERS if (s, "start-up") in figures]
    header = ["server", "start-up", "peak RSS"]
    for mix in COLUMNS:
        header += [f"{mix} req/s", "p50", "p99"]
    lines = [
        f"Medians of {runs} runs; wrk -t1 -c8 from a second process; peak RSS summed over a "
        "server's processes; — where not measured.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for server in servers:
        startup = _cell(median(figures, server, "start-up"), " s", 2)
        if server == MOCK:
            cold = _cell(median(figures, server, "cold start-up"), " s", 2)
            startup = f"{cold} cold, {startup} warm"
        row = [server, startup, _cell(median(figures, server, "RSS"), " MB")]
        for mix in COLUMNS:
            row += [
                _cell(median(figures, server, f"{mix} req/s")),
                _cell(median(figures, server, f"{mix} p50"), " ms", 1),
                _cell(median(figures, server, f"{mix} p99"), " ms", 1),
            ]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", *_ratios(figures, with_prism), "", *_targets(figures)]
    return "\n".join(lines + _failures(figures, servers))


def _ratios(figures: Figures, with_prism: bool) -> list[str]:
    lines = ["Ratios (median of each run's own ratio):"]
    if with_prism:
        cold = ratio(figures, (MOCK, "cold start-up"), (PRISM, "start-up"))
        warm = ratio(figures, (MOCK, "start-up"), (PRISM, "start-up"))
        lines.append(
            f"- start-up, ibl-mock / Prism: cold {_cell(cold, '', 2)}, warm {_cell(warm, '', 2)}"
        )
        for server in (MOCK, VALIDATING, DATA):
            parts = []
            for mix in COLUMNS:
                value = ratio(figures, (server, f"{mix} req/s"), (PRISM, f"{mix} req/s"))
                if value is not None:
                    parts.append(f"{mix} {_cell(value, 'x', 1)}")
            if parts:
                lines.append(f"- req/s, {server} / Prism: " + ", ".join(parts))
    larger = ratio(figures, (LARGER, "GET mix req/s"), (MOCK, "GET mix req/s"))
    lines.append(f"- GET mix req/s, 10x paths / real document: {_cell(larger, '', 2)}")
    for server in (DATA, REDIS_1, REDIS_2):
        for mix in COLUMNS:
            value = ratio(figures, (server, f"{mix} req/s"), (MOCK, f"{mix} req/s"))
            if value is not None:
                lines.append(f"- {mix} req/s, {server} / in memory: {_cell(value, '', 2)}")
    return lines


def _targets(figures: Figures) -> list[str]:
    lines = ["Targets (median of each run's own ratio):"]
    for top, bottom, least in TARGETS:
        value = ratio(figures, top, bottom)
        verdict = "not measured" if value is None else "met" if value >= least else "NOT met"
        lines.append(
            f"- {top[1]}, {top[0]} / {bottom[0]}: {_cell(value, 'x', 2)} "
            f"(target >= {least:g}x: {verdict})"
        )
    return lines


def _failures(figures: Figures, servers: Sequence[str]) -> list[str]:
    lines = []
    for server in servers:
        for mix in COLUMNS:
            count = sum(figures.get((server, f"{mix} failures"), ()))
            if count:
                lines.append(f"- {server}, {mix}: {count:.0f} answers outside 2xx/3xx or errors")
    return ["", "Failed requests (all runs):", *lines] if lines else []
