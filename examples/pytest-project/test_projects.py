"""A project's own tests against the mock: `pip install <ibl-mock> pytest`, then `pytest`.

The `ibl_mock` fixture starts one mock for the run and gives each test a world of its own:
what one test creates, the next does not see.
"""

import httpx

PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"


def test_a_created_project_is_read_back(ibl_mock):
    headers = ibl_mock.headers("main", "alice")
    made = httpx.post(
        ibl_mock.url + PROJECTS, json={"name": "sample project", "shared": False}, headers=headers
    )
    assert made.status_code == 201, made.text
    read = httpx.get(f"{ibl_mock.url}{PROJECTS}{made.json()['id']}/", headers=headers)
    assert read.json()["name"] == "sample project"


def test_the_next_test_does_not_see_it(ibl_mock):
    headers = ibl_mock.headers("main", "alice")
    listed = httpx.get(ibl_mock.url + PROJECTS, params={"limit": 100}, headers=headers).json()
    assert listed["count"] > 0  # alice's seeded projects
    assert "sample project" not in [project["name"] for project in listed["results"]]
