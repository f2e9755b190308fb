"""`ibl-mock serve --store redis://... --workers 2`: two real processes on one port, one state.

Every request goes on a connection of its own, so the kernel hands them to either worker; each
answer names its worker (`X-Mock-Worker: PID`), which shows both took part.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_py
from mock_process import MockStartError, free_port, running_mock
from redis_server import redis_url  # noqa: F401  (the fixture)

from mock_server.settings import Settings

HEADERS = {"Authorization": "Api-Key test-key"}
PROJECTS = "/api/ai-mentor/orgs/main/users/admin/projects/"
PROMPTS = "/api/ai-prompt/orgs/main/users/admin/prompt/"
# Fields of a prompt a PATCH may write independently of each other.
PROMPT_FIELDS = ("tone", "style", "language", "category", "prompt", "title", "description")
CONCURRENCY = 16


@pytest.fixture(scope="module")
def base(redis_url: str) -> Iterator[httpx.Client]:  # noqa: F811
    """A client of the two workers that opens a new connection for every request (so that
    each lands on either worker)."""
    store = database(redis_url, 2)  # of its own: other tests empty database 0 meanwhile
    redis_py.Redis.from_url(store).flushdb()
    fresh = httpx.Limits(max_keepalive_connections=0)
    try:
        with (
            running_mock("--store", store, "--workers", "2") as url,
            httpx.Client(base_url=url, headers=HEADERS, timeout=30, limits=fresh) as client,
        ):
            yield client
    except MockStartError as error:
        pytest.fail(str(error))


def database(url: str, number: int) -> str:
    return f"{url.rsplit('/', 1)[0]}/{number}"


def call(base: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return base.request(method, path, **kwargs)


def listed(base: httpx.Client, path: str) -> tuple[list[dict[str, Any]], set[str]]:
    """Every record of a paginated list, and the workers that answered its pages."""
    records: list[dict[str, Any]] = []
    workers: set[str] = set()
    url: str | None = f"{path}?limit=100"
    while url:
        answer = call(base, "GET", url)
        assert answer.status_code == 200, answer.text
        workers.add(answer.headers["x-mock-worker"])
        records += answer.json()["results"]
        url = answer.json()["next"]
    return records, workers


def until_both_workers(base: httpx.Client, check: Callable[[httpx.Response], None]) -> None:
    """`check` answers from fresh connections until both workers have given one."""
    workers: set[str] = set()
    for _ in range(60):
        answer = call(base, "GET", PROJECTS)
        check(answer)
        workers.add(answer.headers["x-mock-worker"])
        if len(workers) == 2:
            return
    pytest.fail(f"only worker {workers} answered 60 fresh connections")


def test_concurrent_creates_on_both_workers_get_distinct_ids_and_all_are_listed(
    base: httpx.Client,
) -> None:
    call(base, "POST", "/__mock__/reset")
    seeded = {p["id"] for p in listed(base, PROJECTS)[0]}

    def create(n: int) -> httpx.Response:
        return call(base, "POST", PROJECTS, json={"name": f"project {n}", "shared": False})

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        answers = list(pool.map(create, range(400)))
    assert [a.status_code for a in answers] == [201] * 400, answers[0].text
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 400 and not ids & seeded
    assert len({a.headers["x-mock-worker"] for a in answers}) == 2  # both made records
    seen: set[str] = set()
    for _ in range(4):  # on whichever worker each page lands
        records, workers = listed(base, PROJECTS)
        seen |= workers
        assert {p["id"] for p in records} == ids | seeded
        assert len(records) == 400 + len(seeded)
    assert len(seen) == 2


@pytest.mark.parametrize("target", ["seeded", "created"])
def test_concurrent_patches_of_different_fields_of_one_record_all_stay(
    base: httpx.Client, target: str
) -> None:
    call(base, "POST", "/__mock__/reset")
    if target == "seeded":
        key = call(base, "GET", PROMPTS).json()[0]["id"]
    else:
        body = {"prompt": "a new one", "title": "new", "platform": 1}
        made = call(base, "POST", PROMPTS, json=body)
        assert made.status_code == 201, made.text
        key = made.json()["id"]
    rounds = -(-100 // len(PROMPT_FIELDS))  # >= 100 PATCHes in all

    def patch(field: str) -> set[str]:
        """This field's PATCHes in turn, the fields' side by side; who answered them."""
        workers = set()
        for n in range(rounds):
            answer = call(base, "PATCH", f"{PROMPTS}{key}/", json={field: f"{field}-{n}"})
            assert answer.status_code == 200, answer.text
            workers.add(answer.headers["x-mock-worker"])
        return workers

    with ThreadPoolExecutor(len(PROMPT_FIELDS)) as pool:
        workers = set().union(*pool.map(patch, PROMPT_FIELDS))
    assert len(workers) == 2
    expected = {field: f"{field}-{rounds - 1}" for field in PROMPT_FIELDS}
    answered: set[str] = set()
    for _ in range(60):
        answer = call(base, "GET", f"{PROMPTS}{key}/")
        assert {f: answer.json()[f] for f in PROMPT_FIELDS} == expected
        answered.add(answer.headers["x-mock-worker"])
        if len(answered) == 2:
            break
    assert len(answered) == 2


def test_a_reset_is_seen_by_both_workers_at_once(base: httpx.Client) -> None:
    call(base, "POST", "/__mock__/reset")
    seeded = call(base, "GET", PROJECTS).json()["count"]
    assert call(base, "POST", PROJECTS, json={"name": "before the reset"}).status_code == 201
    until_both_workers(base, lambda a: _count_is(a, seeded + 1))
    assert call(base, "POST", "/__mock__/reset").status_code == 200
    until_both_workers(base, lambda a: _count_is(a, seeded))


def _count_is(answer: httpx.Response, count: int) -> None:
    assert answer.status_code == 200 and answer.json()["count"] == count


def serve_exit(*options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(free_port())]
    return subprocess.run(
        [*command, *options], capture_output=True, text=True, timeout=120, check=False
    )


def test_workers_without_a_shared_store_are_refused(tmp_path: Path) -> None:
    refused = serve_exit("--workers", "2")
    assert refused.returncode == 2
    needs = "--workers needs --store redis://...: in-memory and --data state live in one process"
    assert needs in refused.stderr
    both = serve_exit("--data", str(tmp_path / "state.db"), "--store", "redis://127.0.0.1:1/0")
    assert both.returncode == 2 and "--data and --store" in both.stderr


def test_workers_refuse_an_unreachable_or_foreign_store(redis_url: str) -> None:  # noqa: F811
    unreachable = serve_exit("--store", "redis://127.0.0.1:1/0", "--workers", "2")
    assert unreachable.returncode == 2
    assert "cannot use Redis at redis://127.0.0.1:1/0" in unreachable.stderr
    foreign = database(redis_url, 1)
    kept = redis_py.Redis.from_url(foreign)
    kept.flushdb()
    kept.hset("ibl-mock:meta", mapping={"format": "1", "document": "x", "world": "y"})
    refused = serve_exit("--store", foreign, "--workers", "2", "--log-level", "warning")
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "holds state of another OpenAPI document" in refused.stderr


def test_every_setting_reaches_the_workers_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in Settings().as_env():
        monkeypatch.delenv(name, raising=False)
    changed = Settings(
        host="::1",
        port=9002,
        seed=11,
        spec_path=tmp_path / "x.yaml",
        fixtures_path=tmp_path / "world.yaml",
        validate_responses=True,
        auth="fixtures",
        strict=True,
        cors=False,
        use_spec_cache=False,
        log_level="warning",
        populate_new_scopes=True,
        clock="2027-01-15",
        max_body=5_000_000,
        allowed_hosts=("mock", ".corp.example"),
        control_origins=("http://localhost:3000", "https://app.example.com"),
        cors_origins=("http://localhost:5173",),
        state_path=tmp_path / "state.json",
        control_key="k3y",
        latency="100-300",
        error_rate=0.05,
        session_ttl=60.5,
        store_url="redis://127.0.0.1:6390/2",
        workers=3,
    )
    for settings in (changed, Settings(), Settings(workers=2, store_url="redis://h:1/0")):
        with monkeypatch.context() as env:
            for name, value in settings.as_env().items():
                if value is None:
                    env.delenv(name, raising=False)
                else:
                    env.setenv(name, value)
            assert Settings.from_env() == settings
    assert all(
        getattr(changed, name) != getattr(Settings(), name)
        for name in vars(changed)
        if name != "data_path"  # None here: --store and --data do not go together
    )


# -- steering, journal and sessions, shared by both workers -------------------------------------

LIST_PROJECTS = "ai_mentor_orgs_users_projects_list"


def in_session(name: str) -> dict[str, str]:
    return {"X-Mock-Session": name}


def answers(base: httpx.Client, session: str, count: int) -> list[httpx.Response]:
    """`count` lists of projects in `session`, each on a fresh connection (either worker)."""
    return [call(base, "GET", PROJECTS, headers=in_session(session)) for _ in range(count)]


def workers_of(replies: list[httpx.Response]) -> set[str]:
    return {reply.headers["x-mock-worker"] for reply in replies}


def test_an_override_for_three_answers_makes_three_whichever_worker_answers(
    base: httpx.Client,
) -> None:
    session = in_session("steered")
    override = {"operation": LIST_PROJECTS, "status": 403, "times": 3}
    assert call(base, "POST", "/__mock__/overrides", json=override, headers=session).is_success
    replies = answers(base, "steered", 40)
    steered = [reply for reply in replies if reply.status_code == 403]
    assert len(steered) == 3 and replies[:3] == steered  # the first three, then never again
    assert {reply.status_code for reply in replies[3:]} == {200}
    assert len(workers_of(replies)) == 2
    for _ in range(6):  # spent: gone from the list whichever worker is asked
        listed = call(base, "GET", "/__mock__/overrides", headers=session).json()
        assert listed["count"] == 0, listed


def test_an_override_installed_on_one_worker_answers_on_both(base: httpx.Client) -> None:
    session = in_session("steered-forever")
    override = {"operation": LIST_PROJECTS, "status": 404}
    made = call(base, "POST", "/__mock__/overrides", json=override, headers=session).json()
    replies = answers(base, "steered-forever", 30)
    assert {reply.status_code for reply in replies} == {404}
    assert len(workers_of(replies)) == 2
    shown = call(base, "GET", f"/__mock__/overrides/{made['id']}", headers=session).json()
    assert shown["used"] == 30  # counted where it is kept, not per worker
    assert call(base, "DELETE", "/__mock__/overrides", headers=session).status_code == 204
    assert {reply.status_code for reply in answers(base, "steered-forever", 20)} == {200}


def test_chaos_set_through_one_worker_applies_on_both(base: httpx.Client) -> None:
    session = in_session("chaotic")
    put = call(base, "PUT", "/__mock__/settings", json={"error_rate": 1}, headers=session)
    assert put.status_code == 200, put.text
    replies = answers(base, "chaotic", 30)
    assert all(reply.status_code >= 500 for reply in replies), [r.status_code for r in replies]
    assert len(workers_of(replies)) == 2
    shown = [call(base, "GET", "/__mock__/settings", headers=session).json() for _ in range(6)]
    assert {entry["error_rate"] for entry in shown} == {1}
    assert {r.status_code for r in answers(base, "other-session", 10)} == {200}  # its own


def test_the_journal_holds_what_either_worker_answered(base: httpx.Client) -> None:
    session = in_session("journaled")
    replies = answers(base, "journaled", 24)
    assert len(workers_of(replies)) == 2
    for _ in range(6):  # every worker reads all 24, ids 1..24, newest first
        listed = call(base, "GET", "/__mock__/requests", headers=session).json()
        assert listed["count"] == 24
        assert [entry["id"] for entry in listed["results"]] == list(range(24, 0, -1))
    assert call(base, "DELETE", "/__mock__/requests", headers=session).status_code == 204
    for _ in range(6):
        assert call(base, "GET", "/__mock__/requests", headers=session).json()["count"] == 0


def test_a_session_dropped_through_one_worker_is_gone_from_both(base: httpx.Client) -> None:
    made = call(
        base,
        "POST",
        PROJECTS,
        json={"name": "brief", "shared": False},
        headers=in_session("short-lived"),
    )
    assert made.status_code == 201, made.text

    def names() -> list[set[str]]:
        listings = [call(base, "GET", "/__mock__/sessions") for _ in range(8)]
        assert len(workers_of(listings)) == 2
        return [{entry["name"] for entry in answer.json()["results"]} for answer in listings]

    assert all("short-lived" in listed for listed in names())
    assert call(base, "DELETE", "/__mock__/sessions/short-lived").status_code == 204
    assert not any("short-lived" in listed for listed in names())
