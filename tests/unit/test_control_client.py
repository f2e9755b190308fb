"""`mock_server.control.MockControl` against a real `ibl-mock serve --control-key` over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from mock_process import API_KEY, MockStartError, running_mock

from mock_server.control import ControlError, MockControl, Override, SettingsChange, Snapshot

KEY = "client-test-key"
PROFILE = "/api/ai-mentor/orgs/main/users/alice/custom-instruction/"
PROFILE_READ = "ai_mentor_orgs_users_custom_instruction_retrieve"
NEW_PROFILE = "/api/ai-mentor/orgs/main/users/client-probe/custom-instruction/"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    try:
        with running_mock("--control-key", KEY) as url:
            yield url
    except MockStartError as error:
        pytest.fail(str(error))


@pytest.fixture
def mock(base_url: str) -> Iterator[MockControl]:
    control = MockControl(base_url, control_key=KEY)
    yield control
    control.reset()
    control.clear_overrides()
    control.set_settings(latency=None, error_rate=0)


def _api(base_url: str, path: str, body: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(
        base_url + path,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Authorization": f"Api-Key {API_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_state_reset_and_the_journal(mock: MockControl, base_url: str) -> None:
    seeded = mock.state()
    mock.clear_requests()
    assert _api(base_url, NEW_PROFILE, {"profession": "Cartographer"}) in (200, 201)
    assert _api(base_url, PROFILE) == 200
    assert mock.state()["records"] == seeded["records"] + 1
    newest, created = mock.requests()
    assert (newest["path"], newest["operation"], newest["status"]) == (PROFILE, PROFILE_READ, 200)
    assert newest["headers"]["authorization"] == "Api-Key •••"
    assert created["body"] == {"profession": "Cartographer"}
    assert mock.count(operation=PROFILE_READ) == 1
    assert mock.count(method="post", status="2xx") == 1
    assert [e["path"] for e in mock.requests(path="/api/ai-mentor/*", limit=1)] == [PROFILE]
    assert mock.count(since=newest["at"]) >= 1
    reset = mock.reset()
    assert reset["detail"] == "Reset to the seeded state." and reset["records"] == seeded["records"]
    mock.clear_requests()
    assert mock.requests() == [] and mock.count() == 0


def test_an_unknown_filter_is_refused_before_it_is_sent(mock: MockControl) -> None:
    with pytest.raises(TypeError, match="stauts"):
        mock.requests(stauts=404)
    with pytest.raises(TypeError, match="limit"):
        mock.count(limit=3)


def test_an_override_is_removed_on_leaving_its_block(mock: MockControl) -> None:
    with mock.override(PROFILE_READ, status=404) as override:
        assert isinstance(override, Override)
        assert override.data["status"] == 404
        assert [o["id"] for o in mock.overrides()] == [override.id]
        current = override.current()
        assert current is not None and current["used"] == 0
    assert mock.overrides() == []
    assert override.current() is None
    override.remove()  # already gone: no error
    kept = mock.override(PROFILE_READ, status=404, times=3)
    assert len(mock.overrides()) == 1
    mock.clear_overrides()
    assert kept.current() is None


def test_a_refusal_raises_control_error_with_the_drf_body(mock: MockControl) -> None:
    with pytest.raises(ControlError) as refused:
        mock.override("no_such_operation")
    assert refused.value.status == 400
    assert "operation" in refused.value.body
    with pytest.raises(ControlError) as unknown:
        mock.restore("never-saved")
    assert (unknown.value.status, unknown.value.body) == (
        404,
        {"detail": 'No snapshot named "never-saved".'},
    )


def test_settings_come_back_on_leaving_the_block(mock: MockControl) -> None:
    assert mock.settings() == {"latency": None, "error_rate": 0.0}
    with mock.set_settings(error_rate=0.5) as change:
        assert isinstance(change, SettingsChange)
        assert change.settings["error_rate"] == 0.5
        assert change.previous["error_rate"] == 0.0
        assert mock.settings()["error_rate"] == 0.5
    assert mock.settings() == {"latency": None, "error_rate": 0.0}
    with pytest.raises(ControlError) as refused:
        mock.set_settings(error_rate=3)
    assert refused.value.status == 400 and "error_rate" in refused.value.body


def test_a_snapshot_restores_on_leaving_its_block(mock: MockControl, base_url: str) -> None:
    seeded = mock.state()["records"]
    with mock.snapshot("before") as snapshot:
        assert isinstance(snapshot, Snapshot) and snapshot.data["records"] == seeded
        assert _api(base_url, NEW_PROFILE, {"profession": "Nurse"}) in (200, 201)
        assert mock.state()["records"] == seeded + 1
    assert mock.state()["records"] == seeded
    assert [s["name"] for s in mock.snapshots()] == ["before"]  # kept
    mock.delete_snapshot("before")
    assert mock.snapshots() == []


def test_an_export_is_imported_and_started_from(
    mock: MockControl, base_url: str, tmp_path: Path
) -> None:
    assert _api(base_url, NEW_PROFILE, {"profession": "Surveyor"}) in (200, 201)
    grown = mock.snapshot("grown").data["records"]
    export = mock.export("grown")
    assert export["format"] == "ibl-mock-state/1" and export["records"] == grown
    mock.reset()
    assert mock.import_("copy", export)["records"] == grown
    assert mock.restore("copy")["records"] == grown
    with pytest.raises(ControlError) as refused:
        mock.import_("bad", {**export, "document": "0" * 64})
    assert refused.value.status == 400 and "document" in refused.value.body
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(export))
    with running_mock("--state", str(state_file)) as other:
        assert MockControl(other).state()["records"] == grown
        assert _api(other, NEW_PROFILE) == 200


def test_without_the_key_every_call_is_refused(base_url: str) -> None:
    for key in (None, "wrong"):
        with pytest.raises(ControlError) as refused:
            MockControl(base_url, control_key=key).state()
        assert refused.value.status == 403
        assert "X-Mock-Control-Key" in refused.value.body["detail"]


def test_a_bad_state_file_stops_the_mock_with_a_message(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps({"format": "ibl-mock-state/0", "document": "x", "store": {}}))
    command = [sys.executable, "-m", "mock_server", "serve", "--port", "1"]
    result = subprocess.run(
        [*command, "--state", str(state_file), "--log-level", "warning"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert f"--state {state_file} is not an export of this mock" in result.stderr
    assert "format" in result.stderr and "Traceback" not in result.stderr
