"""Sessions: isolated worlds over the seeded one, with their own journal, overrides, reset."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.app import MockApplication
from mock_server.sessions import TooManySessions
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

AGREEMENTS = "/api/ai-mentor/orgs/main/users/bob/disclaimer-agreements/"
PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"


@pytest.fixture(scope="module")
def app() -> MockApplication:
    return MockApplication(Settings())


@pytest.fixture(scope="module")
def api(app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(app.asgi)


@pytest.fixture(autouse=True)
def no_sessions_left(app: MockApplication, api: ASGIClient) -> Iterator[None]:
    yield
    sessions = app.engine.sessions_started()
    for session in sessions.listing():
        if session.name != "default":
            sessions.drop(session.name)
    assert api.post("/__mock__/reset").status_code == 200


def session(name: str) -> dict[str, str]:
    return {"X-Mock-Session": name}


def ids(api: ASGIClient, headers: dict[str, str] | None = None, url: str = AGREEMENTS) -> list[int]:
    answer = api.get(url, headers=headers or {})
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["results"]]


def create(api: ASGIClient, headers: dict[str, str], url: str = AGREEMENTS) -> dict[str, Any]:
    answer = api.post(url, json={"disclaimer": 4242}, headers=headers)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_session_sees_the_seeded_world_and_only_its_own_writes(api: ASGIClient) -> None:
    seeded = ids(api)
    assert seeded, "the seeded world has agreements for bob"
    mine = create(api, session("alpha"))
    assert ids(api, session("alpha")) == [*seeded, mine["id"]]
    assert ids(api, session("beta")) == seeded
    assert ids(api) == seeded  # the default session neither
    read = api.get(f"{AGREEMENTS}{mine['id']}/", headers=session("alpha"))
    assert read.status_code == 200 and read.json() == mine
    assert api.get(f"{AGREEMENTS}{mine['id']}/", headers=session("beta")).status_code == 404


def test_changing_or_deleting_a_seeded_record_stays_in_the_session(api: ASGIClient) -> None:
    first = ids(api, url=PROJECTS)[0]
    item = f"{PROJECTS}{first}/"
    before = api.get(item).json()
    changed = api.request("PATCH", item, json={"name": "Renamed"}, headers=session("alpha"))
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed"
    assert api.get(item, headers=session("alpha")).json()["name"] == "Renamed"
    assert api.get(item).json() == before
    assert api.request("DELETE", item, headers=session("beta")).status_code == 204
    assert api.get(item, headers=session("beta")).status_code == 404
    assert api.get(item).json() == before
    assert ids(api, session("alpha"), url=PROJECTS)[0] == first  # it keeps its place


def test_the_cookie_and_the_query_parameter_name_a_session(api: ASGIClient) -> None:
    mine = create(api, session("browser"))
    assert mine["id"] in ids(api, {"Cookie": "theme=dark; ibl_mock_session=browser"})
    by_query = api.get(AGREEMENTS, params={"__session": "browser", "disclaimer": 4242})
    assert [item["id"] for item in by_query.json()["results"]] == [mine["id"]]
    # The header wins over the cookie.
    both = {"X-Mock-Session": "other", "Cookie": "ibl_mock_session=browser"}
    assert mine["id"] not in ids(api, both)


def test_a_bad_session_name_is_a_drf_400_and_makes_nothing(
    api: ASGIClient, app: MockApplication
) -> None:
    answer = api.get(AGREEMENTS, headers=session("no spaces/here"))
    assert answer.status_code == 400
    assert "Invalid session name" in answer.json()["detail"]
    names = [s.name for s in app.engine.sessions_started().listing()]
    assert names == ["default"]


def test_reset_journal_and_overrides_are_per_session(api: ASGIClient) -> None:
    create(api, session("alpha"))
    create(api, session("beta"))
    assert api.post("/__mock__/reset", headers=session("alpha")).status_code == 200
    assert len(ids(api, session("alpha"))) == len(ids(api))
    assert len(ids(api, session("beta"))) == len(ids(api)) + 1
    journal = api.get("/__mock__/requests", headers=session("beta")).json()
    assert {entry["method"] for entry in journal["results"]} == {"POST", "GET"}
    assert all(entry["path"] == AGREEMENTS for entry in journal["results"])
    override = {
        "operation": "ai_mentor_orgs_users_disclaimer_agreements_list",
        "patch": {"count": 0, "results": []},
    }
    installed = api.post("/__mock__/overrides", json=override, headers=session("alpha"))
    assert installed.status_code == 201, installed.text
    assert ids(api, session("alpha")) == []
    assert ids(api, session("beta")) != []


def test_sessions_are_listed_and_dropped(api: ASGIClient, app: MockApplication) -> None:
    create(api, session("alpha"))
    ids(api, session("beta"))
    listed = api.get("/__mock__/sessions").json()
    by_name = {item["name"]: item for item in listed["results"]}
    assert listed["count"] == 3 and set(by_name) == {"alpha", "beta", "default"}
    assert by_name["alpha"]["written"] == 1 and by_name["beta"]["written"] == 0
    assert by_name["alpha"]["records"] == by_name["beta"]["records"] + 1
    assert listed["results"][0]["name"] == "beta"  # the most recently used first
    assert api.request("DELETE", "/__mock__/sessions/alpha").status_code == 204
    assert api.request("DELETE", "/__mock__/sessions/alpha").status_code == 404
    assert api.request("DELETE", "/__mock__/sessions/default").status_code == 400
    assert len(ids(api, session("alpha"))) == len(ids(api))  # a new, clean alpha


def test_a_dropped_session_frees_what_it_held(api: ASGIClient, app: MockApplication) -> None:
    for _ in range(20):
        create(api, session("heavy"))
    held = app.engine.sessions_started().find("heavy")
    assert held is not None and held.store.written() == 20
    gone = weakref.ref(held.store)
    del held
    assert api.request("DELETE", "/__mock__/sessions/heavy").status_code == 204
    gc.collect()
    assert gone() is None, gc.get_referrers(gone())


def test_idle_sessions_expire_after_the_ttl(app: MockApplication) -> None:
    sessions = app.engine.sessions_started()
    sessions.enter("idle").last_used -= 10_000
    sessions.enter("busy")
    sessions.ttl, sessions._swept = 3600, 0.0
    try:
        sessions.enter("default")
    finally:
        sessions.ttl = None
    names = {s.name for s in sessions.listing()}
    assert "idle" not in names and {"busy", "default"} <= names


def test_a_new_session_costs_no_copy_of_the_world(app: MockApplication) -> None:
    sessions = app.engine.sessions_started()
    fresh = sessions.enter("fresh")
    assert fresh.store.written() == 0
    assert sum(fresh.store.counts().values()) == sum(app.engine.seeded.counts().values())


def test_the_number_of_sessions_is_bounded(app: MockApplication) -> None:
    sessions = app.engine.sessions_started()
    limit = sessions.limit
    sessions.limit = 3
    try:
        sessions.enter("one")
        sessions.enter("two")
        with pytest.raises(TooManySessions):
            sessions.enter("three")  # every other session was used a moment ago
        sessions.enter("one").last_used -= 3600
        assert sessions.enter("three").name == "three"  # the idle one made room
        assert sessions.find("one") is None
    finally:
        sessions.limit = limit
