"""The `ibl_mock` fixture, as a user's suite gets it: a pytest run of its own, with `-n 2`.

The user's tests below create the same project in two tests; each must find exactly one, which
holds only if every test starts from the seeded world. Another test installs an override
through the fixture's control client and uses a demo user's credentials.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USERS_SUITE = """
import json
import urllib.request

PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"


def call(mock, method, path, body=None):
    request = urllib.request.Request(
        mock.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": mock.authorization("main", "alice"),
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


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


def test_the_fixture_gives_every_test_a_clean_world(tmp_path: Path) -> None:
    (tmp_path / "test_users_suite.py").write_text(USERS_SUITE)
    command = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "-q"]
    run = subprocess.run(
        [*command, "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
