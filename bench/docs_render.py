"""How long /docs/ takes to become usable in a browser: Swagger UI over the 2.7 MB document.

Starts `ibl-mock serve`, opens /docs/ in headless chromium `--runs` times, each in a fresh
browser context (no HTTP cache, as a first visit), and times from navigation to the operations
list being interactive: the first tag section drawn, clicked, and showing its operations. The
phases before it come from the page's own timings: Swagger UI's scripts loaded, the document
fetched. The target is 2 s; this reports, it does not assert.

    python -m bench.docs_render [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.browser import INSTALL_HINT, find_chromium, launch
from bench.servers import free_port, mock_command, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TARGET_S = 2.0
TIMEOUT_MS = 120_000
DOCUMENT = "/openapi.json"  # with the `?tag=` of the page's first document
SCRIPT = "swagger-ui-bundle.js"
# [start, end] of a resource's fetch, in ms since navigation, by the end of its URL.
RESOURCE_TIMES = """(suffix) => {
  const found = performance.getEntriesByType('resource').find(
    (e) => new URL(e.name).pathname.endsWith(suffix));
  return found ? [found.startTime, found.responseEnd] : [0, 0];
}"""


@dataclass(frozen=True)
class Load:
    script_s: float  # Swagger UI's bundle fetched
    requested_s: float  # the first document asked for (Swagger UI has started)
    document_s: float  # that document fetched
    tags_s: float  # the first tag section visible
    interactive_s: float  # that section clicked open, its operations shown


def load_docs(browser: Browser, base: str) -> Load:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        started = time.perf_counter()
        page.goto(f"{base}/docs/", wait_until="commit")
        first_tag = page.locator(".opblock-tag").first
        first_tag.wait_for(state="visible")
        tags = time.perf_counter() - started
        first_tag.click()
        page.locator(".opblock-tag-section.is-open .opblock").first.wait_for(state="visible")
        interactive = time.perf_counter() - started
        _, script = page.evaluate(RESOURCE_TIMES, SCRIPT)
        requested, document = page.evaluate(RESOURCE_TIMES, DOCUMENT)
        return Load(script / 1000, requested / 1000, document / 1000, tags, interactive)
    finally:
        context.close()


def describe(name: str, values: list[float]) -> str:
    return (
        f"{name:34}: median {statistics.median(values):5.2f} s, "
        f"min {min(values):5.2f} s, max {max(values):5.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit(f"Playwright is not installed: {INSTALL_HINT}") from None
    executable = find_chromium()
    if executable is None:
        raise SystemExit(f"chromium was not found: {INSTALL_HINT}")
    port = free_port()
    with running("ibl-mock", mock_command(port, None, []), port) as mock, sync_playwright() as pw:
        browser = launch(pw, executable)
        version = browser.version
        try:
            # The first load after start also pays for the served document's encoding.
            first = load_docs(browser, mock.base)
            loads = [load_docs(browser, mock.base) for _ in range(args.runs)]
        finally:
            browser.close()
    print(f"/docs/ in headless chromium {version}, {args.runs} loads")
    print(f"first load after start: interactive after {first.interactive_s:.2f} s")
    print(describe("Swagger UI bundle fetched", [load.script_s for load in loads]))
    print(describe("document requested", [load.requested_s for load in loads]))
    print(describe("document fetched", [load.document_s for load in loads]))
    print(describe("first tag visible", [load.tags_s for load in loads]))
    print(describe("first tag opened (interactive)", [load.interactive_s for load in loads]))
    median = statistics.median(load.interactive_s for load in loads)
    verdict = "met" if median <= TARGET_S else "NOT met"
    print(f"interactive median {median:.2f} s (target at most {TARGET_S:g} s): {verdict}")


if __name__ == "__main__":
    main()
