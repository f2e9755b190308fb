"""What the browser tests need from the machine, and what to do when it is missing.

Missing chromium, Playwright, node or npm skips a test with how to install it, unless
IBL_MOCK_REQUIRE_SERVICES=1 (CI), where it fails the test: a green run there means the browser
ran.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_SERVICES = "IBL_MOCK_REQUIRE_SERVICES"


def unavailable(message: str) -> NoReturn:
    """Skip, or fail where the environment promises every service."""
    if os.environ.get(REQUIRE_SERVICES) == "1":
        pytest.fail(f"{message} ({REQUIRE_SERVICES}=1)", pytrace=False)
    pytest.skip(message)
