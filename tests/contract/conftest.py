"""A real `ibl-mock serve --validate-responses` process for the contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mock_process import MockStartError, running_mock


@pytest.fixture(scope="session")
def mock_server_url() -> Iterator[str]:
    try:
        with running_mock() as url:
            yield url
    except MockStartError as error:
        pytest.fail(str(error))
