"""The `ibl_mock` fixture, as a user's suite gets it: a pytest run of its own, with `-n 2`.

The user's tests below create the same project in two tests; each must find exactly one, which
holds only if every test starts from the seeded world. Another test installs an override
through the fixture's control client and uses a demo user's credentials.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mock_process import running_mock

from mock_server.control import MockControl

# What both users' suites begin with: a call as a demo user, in the test's session.
CALLS = """
import json
import urllib.request

PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"


def call(mock, method, path, body=None):
    request = urllib.request.Request(
        mock.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={**mock.headers("main", "alice"), "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)
"""

USERS_SUITE = (
    CALLS
    + """


def named(mock, name):
    listed = call(mock, "GET", PROJECTS + "?page_size=100")["results"]
    return [project for project in listed if project["name"] == name]


def test_a_first_create(ibl_mock):
    call(ibl_mock, "POST", PROJECTS, {"name": "only-once", "description": "made here"})
    assert len(named(ibl_mock, "only-once")) == 1


def test_a_second_create_in_a_clean_world(ibl_mock):
    call(ibl_mock, "POST", PROJECTS, {"name": "only-once", "description": "made here"})
    assert len(named(ibl_mock, "only-once")) == 1


def test_an_override_through_the_control_client(ibl_mock):
    with ibl_mock.control.override(
        "ai_mentor_orgs_users_projects_list", patch={"count": 0, "results": []}
    ):
        assert call(ibl_mock, "GET", PROJECTS)["count"] == 0
    assert call(ibl_mock, "GET", PROJECTS)["count"] > 0
    assert ibl_mock.control.count(operation="ai_mentor_orgs_users_projects_list") == 2
"""
)


HAMMERING_SUITE = (
    CALLS
    + """
import pytest


@pytest.mark.parametrize("turn", range(8))
def test_each_test_sees_only_its_own_records(ibl_mock, turn):
    seeded = call(ibl_mock, "GET", PROJECTS)["count"]
    made = [
        call(ibl_mock, "POST", PROJECTS, {"name": f"t{turn}-{n}", "description": "x"})["id"]
        for n in range(15)
    ]
    listed, page = [], call(ibl_mock, "GET", PROJECTS)
    while True:
        listed += page["results"]
        if not page["next"]:
            break
        page = call(ibl_mock, "GET", page["next"][len(ibl_mock.url):])
    assert len(listed) == seeded + 15
    assert [p["id"] for p in listed][-15:] == made
    assert all(p["name"].startswith(f"t{turn}-") for p in listed[seeded:])
"""
)


def run_suite(tmp_path: Path, suite: str, env: dict[str, str] | None = None) -> str:
    (tmp_path / "test_users_suite.py").write_text(suite)
    command = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "load", "-q"]
    run = subprocess.run(
        [*command, "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_fixture_gives_every_test_a_clean_world(tmp_path: Path) -> None:
    assert "3 passed" in run_suite(tmp_path, USERS_SUITE)


def test_two_workers_share_one_server_each_test_in_its_own_session(tmp_path: Path) -> None:
    """IBL_MOCK_URL points the fixture at a running mock: both xdist workers use it at once,
    each test in its own session; afterwards the sessions are gone and the default untouched."""
    with running_mock() as url:
        control = MockControl(url)
        before = control.state()
        output = run_suite(tmp_path, HAMMERING_SUITE, {"IBL_MOCK_URL": url})
        assert "8 passed" in output
        assert [session["name"] for session in control.sessions()] == ["default"]
        assert control.state() == before
