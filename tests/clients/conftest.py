"""A real `ibl-mock serve` process per test module, for the published clients to talk to.

Each module gets its own process, so that every module starts from the mock's fresh, seeded
state: the sweep over every GET sees no records that the session tests made, and the other way
round. Each test makes the records it needs, so the tests of a module may also be spread over
several pytest-xdist workers (each then starts its own process).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mock_process import served_url


@pytest.fixture(scope="module")
def mock_server_url() -> Iterator[str]:
    """The base URL of a fresh `ibl-mock serve --validate-responses`, stopped after the module."""
    yield from served_url()
