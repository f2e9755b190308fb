"""A real `ibl-mock serve --validate-responses` process for the contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mock_process import served_url


@pytest.fixture(scope="session")
def mock_server_url() -> Iterator[str]:
    yield from served_url()
