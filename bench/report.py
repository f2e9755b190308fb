"""The benchmark's table: medians over the runs, and ratios taken within each run."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

PRISM = "Prism 5.14.2"
MOCK = "ibl-mock"
VALIDATING = "ibl-mock --validate-responses"
LARGER = "ibl-mock 10x paths"
MIXES = ("GET mix", "item reads", "create+read")

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
    servers = [s for s in (PRISM, MOCK, VALIDATING, LARGER) if (s, "start-up") in figures]
    header = ["server", "start-up", "peak RSS"]
    for mix in MIXES:
        header += [f"{mix} req/s", "p50", "p99"]
    lines = [
        f"Medians of {runs} runs; wrk -t1 -c8 from a second process.",
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
        for mix in MIXES:
            row += [
                _cell(median(figures, server, f"{mix} req/s")),
                _cell(median(figures, server, f"{mix} p50"), " ms", 1),
                _cell(median(figures, server, f"{mix} p99"), " ms", 1),
            ]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", *_ratios(figures, with_prism), *_failures(figures, servers)]
    return "\n".join(lines)


def _ratios(figures: Figures, with_prism: bool) -> list[str]:
    lines = ["Ratios (median of each run's own ratio):"]
    if with_prism:
        cold = ratio(figures, (MOCK, "cold start-up"), (PRISM, "start-up"))
        warm = ratio(figures, (MOCK, "start-up"), (PRISM, "start-up"))
        lines.append(
            f"- start-up, ibl-mock / Prism: cold {_cell(cold, '', 2)}, warm {_cell(warm, '', 2)}"
        )
        for server in (MOCK, VALIDATING):
            parts = []
            for mix in MIXES:
                value = ratio(figures, (server, f"{mix} req/s"), (PRISM, f"{mix} req/s"))
                parts.append(f"{mix} {_cell(value, 'x', 1)}")
            lines.append(f"- req/s, {server} / Prism: " + ", ".join(parts))
    larger = ratio(figures, (LARGER, "GET mix req/s"), (MOCK, "GET mix req/s"))
    lines.append(f"- GET mix req/s, 10x paths / real document: {_cell(larger, '', 2)}")
    return lines


def _failures(figures: Figures, servers: Sequence[str]) -> list[str]:
    lines = []
    for server in servers:
        for mix in MIXES:
            count = sum(figures.get((server, f"{mix} failures"), ()))
            if count:
                lines.append(f"- {server}, {mix}: {count:.0f} answers outside 2xx/3xx or errors")
    return ["", "Failed requests (all runs):", *lines] if lines else []
