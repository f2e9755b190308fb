"""Shared fixtures: one mock application per test session, driven in-process over ASGI."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mock_server.app import MockApplication
from mock_server.settings import Settings

# The suite keeps its caches of parsed documents and worlds in a directory of its own, never
# under ~/.cache: set once by the first process (xdist's workers and the servers the tests start
# inherit it), removed when that process exits.
if "IBL_MOCK_CACHE_DIR" not in os.environ:
    os.environ["IBL_MOCK_CACHE_DIR"] = tempfile.mkdtemp(prefix="ibl-mock-tests-")
    atexit.register(shutil.rmtree, os.environ["IBL_MOCK_CACHE_DIR"], ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each schemathesis item its operation in its id.

    pytest 9 builds an item's id from the test function's name, so the 1,238 operation tests
    shared three ids: the progress meter counted each id once (a full run ended at `[ 49%]`)
    and a failure's id named no operation.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if not label or item.nodeid.endswith("]"):
            continue
        if hasattr(item, "_id"):  # pytest 9: the id is a structured NodeId
            item._id = item._id.with_params(label)
        else:  # pytest 8 keeps the string
            item._nodeid = f"{item.nodeid}[{label}]"


BASE_URL = "http://testserver"
# Any key will do in the default `--auth any` mode; tests of authentication set their own.
AUTHORIZATION = {"Authorization": "Api-Key test-key"}


class ASGIClient:
    """A synchronous face on `httpx.AsyncClient` over `ASGITransport`, on one private loop.

    pytest-asyncio is not a dependency; one loop reused for every request costs far less than
    `asyncio.run` per request, and far less than Starlette's TestClient.
    """

    def __init__(self, asgi: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi), base_url=BASE_URL, headers=AUTHORIZATION
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


@pytest.fixture(scope="session")
def mock_app() -> MockApplication:
    """The application with default settings (seed 0), built once: building takes a second."""
    return MockApplication(Settings())


@pytest.fixture(scope="session")
def make_client() -> Iterator[Callable[[Any], ASGIClient]]:
    """Clients for other ASGI apps (other settings), closed at the end of the session."""
    made: list[ASGIClient] = []

    def make(asgi: Any) -> ASGIClient:
        made.append(ASGIClient(asgi))
        return made[-1]

    yield make
    for asgi_client in made:
        asgi_client.close()


@pytest.fixture(scope="session")
def client(mock_app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    """A client of the session's application."""
    return make_client(mock_app.asgi)
