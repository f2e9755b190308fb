"""A real `ibl-mock serve` process on a free port, for tests that talk HTTP to it.

The starting and stopping is the pytest plugin's (`mock_server.pytest_plugin.serving`); this
adds the suite's options (`--validate-responses`, quiet logs) and a temporary log file.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.pytest_plugin import MockStartError, free_port, serving

API_KEY = "test-key"

__all__ = ["API_KEY", "MockStartError", "free_port", "running_mock", "served_url"]


@contextlib.contextmanager
def running_mock(*extra_args: str) -> Iterator[str]:
    """Start `ibl-mock serve --validate-responses` on a free port; yield its base URL; stop it."""
    with tempfile.TemporaryDirectory(prefix="ibl-mock-serve-") as work:
        options = ["--validate-responses", "--log-level", "warning", *extra_args]
        with serving(options, Path(work) / "server.log") as url:
            yield url


def served_url() -> Iterator[str]:
    """`running_mock()` for a fixture: a mock that fails to start fails the tests using it."""
    try:
        with running_mock() as url:
            yield url
    except MockStartError as error:
        pytest.fail(str(error))
