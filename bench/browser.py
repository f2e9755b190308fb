"""Headless chromium for the browser tests and `bench.docs_render`: where it is, how to start it.

Debian's `chromium` is driven through Playwright's Python package; Playwright's own browser
download is never used, so both come from ordinary packages (`apt-get install chromium`,
`pip install playwright`).
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM_ENV = "IBL_MOCK_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# --no-sandbox: the tests may run as root. The rest keep chromium from calling home, which on
# a closed network gets its connections refused and slows every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "the browser tests need chromium and Playwright's Python package: "
    "`apt-get install chromium` and `pip install playwright` (or `pip install -e '.[test]'`); "
    f"{CHROMIUM_ENV}=PATH names another chromium"
)


def find_chromium() -> str | None:
    """The chromium executable: $IBL_MOCK_CHROMIUM, else the first known name on PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if os.access(named, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def launch(playwright: Playwright, executable: str) -> Browser:
    """A headless chromium, started from `executable`."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
