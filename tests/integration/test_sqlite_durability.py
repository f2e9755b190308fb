"""`ibl-mock serve --data FILE`: every acknowledged write survives the process being killed.

A real server takes 500 writes over HTTP (creates, updates and deletes, in the default session
and in a named one), is killed with SIGKILL, and started again on the same file: every record
is as it was answered, the deleted ones are gone, and nothing else changed. Then the same after
SIGTERM. A start over another seeded world, or beside the running server, is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.pytest_plugin import READY, free_port

PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"
SESSION = {"X-Mock-Session": "s1"}
START_TIMEOUT = 60.0


def _environment() -> dict[str, str]:
    """The environment minus IBL_MOCK_* options (the suite's cache directory kept)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("IBL_MOCK_") or key == "IBL_MOCK_CACHE_DIR"
    }


class Mock:
    """`ibl-mock serve --data FILE` as a process of its own, to kill as a crash would."""

    def __init__(self, data: Path, *options: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = data.with_name(f"server-{port}.log")
        command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port)]
        command += ["--data", str(data), "--log-level", "warning", *options]
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=_environment()
            )
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": "Api-Key test"}, timeout=30
        )

    def ready(self) -> Mock:
        deadline = time.monotonic() + START_TIMEOUT
        while READY not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"ibl-mock did not start:\n{self.log.read_text()[-4000:]}")
            time.sleep(0.05)
        return self

    def refusal(self) -> tuple[int, str]:
        """The exit status and output of a start that must fail."""
        status = self.process.wait(timeout=START_TIMEOUT)
        return status, self.log.read_text()

    def stop(self, how: signal.Signals) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait(timeout=20)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.client.request(method, path, **kwargs)
        assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def projects(self, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every project of the list, page after page."""
        found: list[dict[str, Any]] = []
        page: str | None = f"{PROJECTS}?page_size=100"
        while page is not None:
            answer = self.call("GET", page, headers=headers)
            found += answer["results"]
            page = answer["next"]
        return found

    def world(self) -> dict[str, Any]:
        """What a restart must give back: both sessions' projects and counts, the sessions."""
        return {
            "default": self.projects(),
            "s1": self.projects(SESSION),
            "counts": self.call("GET", "/__mock__/state"),
            "s1 counts": self.call("GET", "/__mock__/state", headers=SESSION),
        }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def mock(data: Path) -> Iterator[Mock]:
    running = Mock(data).ready()
    yield running
    running.stop(signal.SIGKILL)


def write(mock: Mock, count: int, tag: str) -> dict[tuple[str, int], dict[str, Any] | None]:
    """`count` acknowledged writes; (session, id) -> the record as last answered, or None
    once deleted. Every fifth create is in session s1; every sixth write updates, every
    tenth deletes, a record made before."""
    answered: dict[tuple[str, int], dict[str, Any] | None] = {}
    live: list[tuple[str, int]] = []
    for n in range(count):
        if n % 10 == 9 and live:
            session, number = key = live.pop(0)
            mock.call("DELETE", f"{PROJECTS}{number}/", headers=_headers(session))
            answered[key] = None
        elif n % 6 == 5 and live:
            session, number = key = live[-1]
            body = {"description": f"changed by write {tag}-{n}"}
            answer = mock.call(
                "PATCH", f"{PROJECTS}{number}/", json=body, headers=_headers(session)
            )
            answered[key] = answer
        else:
            session = "s1" if n % 5 == 4 else "default"
            body = {"name": f"{tag}-{n}", "description": f"made by write {tag}-{n}"}
            answer = mock.call("POST", PROJECTS, json=body, headers=_headers(session))
            key = (session, answer["id"])
            answered[key] = answer
            live.append(key)
    return answered


def _headers(session: str) -> dict[str, str] | None:
    return SESSION if session == "s1" else None


def check(mock: Mock, answered: dict[tuple[str, int], dict[str, Any] | None]) -> None:
    for (session, number), answer in answered.items():
        found = mock.client.get(f"{PROJECTS}{number}/", headers=_headers(session))
        if answer is None:
            assert found.status_code == 404, (session, number, found.text)
        else:
            assert found.json() == answer, (session, number)


def test_acknowledged_writes_survive_sigkill_and_sigterm(data: Path, mock: Mock) -> None:
    fresh = mock.world()
    answered = write(mock, 500, "a")
    before = mock.world()
    assert len(before["s1"]) > len(fresh["s1"]) and len(before["default"]) > len(fresh["default"])
    mock.stop(signal.SIGKILL)

    restarted = Mock(data).ready()
    try:
        assert restarted.world() == before
        check(restarted, answered)
        sessions = restarted.call("GET", "/__mock__/sessions")["results"]
        assert {s["name"] for s in sessions} == {"default", "s1"}
        s1_names = {p["name"] for p in before["s1"]} - {p["name"] for p in fresh["s1"]}
        assert s1_names and not s1_names & {p["name"] for p in before["default"]}

        answered.update(write(restarted, 60, "b"))
        before = restarted.world()
    finally:
        restarted.stop(signal.SIGTERM)
    assert restarted.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises it

    again = Mock(data).ready()
    try:
        assert again.world() == before
        check(again, answered)
    finally:
        again.stop(signal.SIGKILL)


def test_a_start_beside_the_running_mock_or_over_another_world_is_refused(
    data: Path, mock: Mock
) -> None:
    status, output = Mock(data).refusal()
    assert status == 2, output
    assert (
        f"ibl-mock: the --data file {data} is in use by another ibl-mock (pid {mock.process.pid})"
        in output
    )
    assert "Traceback" not in output
    kept = mock.call("POST", PROJECTS, json={"name": "kept", "description": "for seed 0"})

    mock.stop(signal.SIGTERM)
    status, output = Mock(data, "--seed", "1").refusal()
    assert status == 2, output
    assert f"ibl-mock: the --data file {data} holds state of another seeded world" in output
    assert "Traceback" not in output
    again = Mock(data).ready()  # refused, not spoilt: it resumes under the seed it was made for
    try:
        assert again.call("GET", f"{PROJECTS}{kept['id']}/") == kept
    finally:
        again.stop(signal.SIGKILL)
