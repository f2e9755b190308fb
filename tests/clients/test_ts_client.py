"""The published TypeScript client (@iblai/iblai-api 4.90.4-ai), unchanged, under node.

`ts/session.mjs` performs a create/read/update/list session through the client's services and
prints every answer as JSON; this module installs the pinned client when `node_modules` is
missing (a clean clone), runs the script against a fresh mock and checks what it printed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from ts_client import TS_DIR, install

PACKAGE = "@iblai/iblai-api"
VERSION = "4.90.4-ai"
ORG = "main"
USER_ID = "ts-session-user"


def _installed_version() -> str | None:
    manifest = TS_DIR / "node_modules" / PACKAGE / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8")).get("version"))


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the TypeScript client (not on PATH)")
    install(npm)  # a no-op once node_modules holds the pinned packages
    assert _installed_version() == VERSION, f"{PACKAGE} {_installed_version()} is installed"
    return node


@pytest.fixture(scope="module")
def session(node: str, mock_server_url: str) -> dict[str, Any]:
    run = subprocess.run(
        [node, "session.mjs", mock_server_url, ORG, USER_ID],
        cwd=TS_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        output: dict[str, Any] = json.loads(run.stdout)
    except ValueError:
        pytest.fail(
            f"session.mjs printed no JSON (exit {run.returncode}):\n{run.stdout}{run.stderr}"
        )
    assert output["failed"] is None, (
        f"step {output['failed']} failed: {json.dumps(output['steps'][output['failed']])}"
    )
    assert run.returncode == 0, run.stderr
    return output


def test_custom_instruction_create_read_update_read(session: dict[str, Any]) -> None:
    steps = session["steps"]
    created = steps["instructionCreate"]
    assert isinstance(created["id"], int)
    assert created["about_user"] == "I build web frontends."
    assert created["mentor_tone"] == "Direct"
    assert created["profession"] == "Frontend engineer"
    assert created["desired_mentor_traits"] == "direct,practical"
    assert steps["instructionRead"] == created

    updated = steps["instructionUpdate"]
    assert updated == {
        **created,
        "about_user": "I build web frontends and design systems.",
        "profession": "Staff engineer",
    }
    assert steps["instructionReadAgain"] == updated


def test_disclaimer_agreement_create_then_list_contains_it(session: dict[str, Any]) -> None:
    steps = session["steps"]
    created = steps["agreementCreate"]
    assert set(created) == {"id", "user", "disclaimer", "agreed_at", "platform_key", "user_id"}
    assert isinstance(created["id"], int)
    assert isinstance(created["user"], int)
    assert created["disclaimer"] == session["disclaimer"]
    assert created["platform_key"] == ORG
    assert created["user_id"] == USER_ID

    listed = steps["agreementList"]
    assert listed["count"] == len(listed["results"])
    assert [a for a in listed["results"] if a["id"] == created["id"]] == [created]

    filtered = steps["agreementFiltered"]
    assert filtered["count"] == 1
    assert filtered["results"] == [created]
    assert steps["agreementRead"] == created


@pytest.fixture(scope="module")
def steered(node: str, mock_server_url: str) -> dict[str, Any]:
    run = subprocess.run(
        [node, "steer.mjs", mock_server_url, "alice"],
        cwd=TS_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, f"steer.mjs failed:\n{run.stdout}{run.stderr}"
    output: dict[str, Any] = json.loads(run.stdout)
    return output


def test_prefer_code_reaches_the_client_as_its_api_error(steered: dict[str, Any]) -> None:
    assert steered["steered"] == {
        "error": "ApiError",
        "status": 404,
        "body": {"detail": "Not found."},
    }


def test_an_override_is_what_the_client_lists_then_it_is_spent(steered: dict[str, Any]) -> None:
    assert steered["override"]["status"] == 201
    assert steered["overridden"] == {"count": 0, "next": None, "previous": None, "results": []}
    assert steered["after"]["count"] > 0  # times: 1, so the mock's own answer is back
