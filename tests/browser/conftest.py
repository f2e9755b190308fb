"""Real-browser tests: headless chromium (Debian's) driven by Playwright, against a real mock.

Without chromium or Playwright the tests are skipped with how to install them, unless
IBL_MOCK_REQUIRE_SERVICES=1 (CI), where a missing browser fails them (browser_services.py).
Test modules take Playwright's `expect` from the fixture of that name, so that
they are collected (and skipped) where Playwright is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from browser_services import unavailable
from mock_process import served_url

from bench.browser import INSTALL_HINT, find_chromium, launch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Generous: two pytest workers, two mocks and two browsers share two slow cores.
TIMEOUT_MS = 60_000


# Per module, not per session: while Playwright's sync API is open it keeps an event loop
# running in the worker's thread, and the in-process tests that share the worker run their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable(f"Playwright is not installed: {INSTALL_HINT}")
    executable = find_chromium()
    if executable is None:
        unavailable(f"chromium was not found: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        try:
            started = launch(playwright, executable)
        except Error as error:
            unavailable(f"chromium at {executable} did not start ({error}): {INSTALL_HINT}")
        yield started
        started.close()


@pytest.fixture(scope="module")
def expect(browser: Browser) -> Any:
    """Playwright's `expect` (its assertions wait, up to TIMEOUT_MS)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in a context of its own (no cookies or storage from other tests)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="session")
def mock_url() -> Iterator[str]:
    """One `ibl-mock serve --validate-responses` per worker; tests use their own user names,
    so they need no reset between them."""
    yield from served_url()
