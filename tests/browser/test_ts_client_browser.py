"""The published TypeScript client (@iblai/iblai-api), bundled for the browser, from another origin.

The page (ts_page/) and the client bundled by esbuild (an IIFE, `window.IblaiApi`) are served
by a stdlib HTTP server on a second port of this host: to chromium that is another origin, so
every call is a cross-origin fetch with a preflight (the `Authorization` header and JSON
bodies are not "simple"). The page creates, reads, updates, lists and deletes a project
through the client's generated services, with `OpenAPI.WITH_CREDENTIALS` on and off.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from browser_services import unavailable
from ts_client import TS_DIR, install

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PAGE_DIR = Path(__file__).resolve().parent / "ts_page"
CLIENT = "@iblai/iblai-api"
ENTRY = "export { AiMentorService, ApiError, OpenAPI } from '@iblai/iblai-api';\n"


@pytest.fixture(scope="session")
def page_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder with the page and the client bundled for it."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        unavailable(
            "node and npm are needed to bundle the TypeScript client: `apt-get install nodejs npm`"
        )
    install(npm)
    served = tmp_path_factory.mktemp("ts-page")
    bundle = subprocess.run(
        [
            str(TS_DIR / "node_modules" / ".bin" / "esbuild"),
            "--bundle",
            "--format=iife",
            "--global-name=IblaiApi",
            "--platform=browser",
            "--log-level=warning",
            f"--outfile={served / 'iblai-api.js'}",
        ],
        input=ENTRY,
        cwd=TS_DIR,  # where the stdin entry's import is resolved
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bundle.returncode == 0, f"esbuild failed:\n{bundle.stdout}\n{bundle.stderr}"
    for source in PAGE_DIR.iterdir():
        shutil.copy(source, served / source.name)
    return served


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def page_origin(page_dir: Path) -> Iterator[str]:
    """The second origin: http://127.0.0.1:<another port>, serving `page_dir`."""
    handler = functools.partial(_QuietHandler, directory=str(page_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with contextlib.suppress(OSError):
            server.server_close()


@pytest.mark.parametrize("credentials", ["include", "omit"])
def test_crud_through_the_client_from_another_origin(
    page: Page, expect: Any, mock_url: str, page_origin: str, credentials: str
) -> None:
    user = f"ts-browser-{credentials}"
    query = httpx.QueryParams(base=mock_url, user=user, credentials=credentials)
    page.goto(f"{page_origin}/index.html?{query}")
    expect(page.locator("body")).to_have_attribute("data-done", "true")
    run: dict[str, Any] = page.evaluate("window.crud")
    assert run["origin"] == page_origin != mock_url
    steps = run["steps"]
    assert run["failed"] is None, f"step {run['failed']}: {json.dumps(steps[run['failed']])}"

    created = steps["create"]
    assert isinstance(created["id"], int)
    assert (created["name"], created["description"], created["shared"]) == (
        "Browser project",
        "Made in chromium",
        False,
    )
    assert created["owner_username"] == user
    assert steps["read"] == created
    updated = steps["update"]
    assert updated["id"] == created["id"]
    assert (updated["name"], updated["description"], updated["shared"]) == (
        "Browser project, renamed",
        "Renamed",
        True,
    )
    listed = steps["list"]
    assert [p for p in listed["results"] if p["id"] == created["id"]] == [updated]
    assert steps["delete"] is None  # 204: the client resolves with no body
    assert steps["readDeleted"]["status"] == 404

    # Every call came from the page's origin; its cookie went along only with credentials.
    path = f"/api/ai-mentor/orgs/main/users/{user}/projects/*"
    journal = httpx.get(f"{mock_url}/__mock__/requests", params={"path": path}).json()
    methods = sorted(entry["method"] for entry in journal["results"])
    assert methods == ["DELETE", "GET", "GET", "GET", "POST", "PUT"]
    for entry in journal["results"]:
        assert entry["headers"]["origin"] == page_origin
        assert ("cookie" in entry["headers"]) is (credentials == "include"), entry["headers"]
