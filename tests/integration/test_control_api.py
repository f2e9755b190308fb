"""The control API (`/__mock__/*`) over HTTP, in-process: every endpoint and every refusal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from mock_server.admin import StateFileError
from mock_server.admin.document import CONTROL_DOCUMENT_PATH
from mock_server.admin.snapshots import MAX_SNAPSHOTS, STATE_FORMAT, read_state_file
from mock_server.app import MockApplication
from mock_server.messages import encode_json
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

PROFILE = "/api/ai-mentor/orgs/main/users/alice/custom-instruction/"
PROFILE_READ = "ai_mentor_orgs_users_custom_instruction_retrieve"
NEW_PROFILE = "/api/ai-mentor/orgs/main/users/control-probe/custom-instruction/"
KEY = "s3cret-control-key"


@pytest.fixture(scope="module")
def app(mock_app: MockApplication) -> MockApplication:
    return MockApplication(Settings(), loaded=mock_app.loaded)


@pytest.fixture(scope="module")
def control(app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(app.asgi)


@pytest.fixture(autouse=True)
def clean(control: ASGIClient) -> Iterator[None]:
    yield
    control.post("/__mock__/reset")
    control.request("DELETE", "/__mock__/overrides")
    control.request("PUT", "/__mock__/settings", json={"latency": None, "error_rate": 0})
    for snapshot in control.get("/__mock__/snapshots").json()["results"]:
        control.request("DELETE", f"/__mock__/snapshots/{snapshot['name']}")


def _written(control: ASGIClient) -> int:
    """Write one record the seeded world lacks; the record count after it."""
    created = control.post(NEW_PROFILE, json={"profession": "Cartographer"})
    assert created.status_code in (200, 201), created.text
    return int(control.get("/__mock__/state").json()["records"])


# --- state -------------------------------------------------------------------------------------


def test_reset_restores_the_store_and_keeps_the_rest(control: ASGIClient) -> None:
    seeded = control.get("/__mock__/state").json()
    assert _written(control) == seeded["records"] + 1
    control.get(PROFILE)
    override = control.post("/__mock__/overrides", json={"operation": PROFILE_READ, "status": 404})
    control.request("PUT", "/__mock__/settings", json={"error_rate": 0.25})
    reset = control.post("/__mock__/reset")
    assert reset.status_code == 200
    assert reset.json() == {"detail": "Reset to the seeded state.", **seeded}
    assert control.get("/__mock__/state").json() == seeded
    # The journal, the overrides and the settings are not the store's: they stay.
    assert control.get("/__mock__/requests/count", params={"path": PROFILE}).json()["count"] >= 1
    assert control.get(f"/__mock__/overrides/{override.json()['id']}").status_code == 200
    assert control.get("/__mock__/settings").json()["error_rate"] == 0.25


def test_state_counts_records_per_type(control: ASGIClient) -> None:
    state = control.get("/__mock__/state").json()
    assert state["records"] == sum(state["resources"].values()) > 0


# --- the journal -------------------------------------------------------------------------------


def test_the_journal_lists_newest_first_with_ids_headers_and_bodies(control: ASGIClient) -> None:
    control.request("DELETE", "/__mock__/requests")
    control.get(PROFILE, headers={"cookie": "sessionid=abc", "x-trace": "t-1"})
    control.post(NEW_PROFILE, json={"profession": "Nurse"})
    control.post(NEW_PROFILE, content=b"profession=Nurse", headers={"content-type": "text/plain"})
    control.post(NEW_PROFILE, content=b"\xff\xfe\x00", headers={"content-type": "image/png"})
    page = control.get("/__mock__/requests").json()
    assert page["count"] == 4 == len(page["results"])
    binary, text, posted, read = page["results"]
    assert binary["id"] > text["id"] > posted["id"] > read["id"] >= 1
    assert read["headers"]["authorization"] == "Api-Key •••"
    assert read["headers"]["cookie"] == "•••"
    assert read["headers"]["x-trace"] == "t-1"
    assert (read["operation"], read["status"], read["body"]) == (PROFILE_READ, 200, None)
    assert posted["body"] == {"profession": "Nurse"}
    assert text["body"] == "profession=Nurse" and text["status"] == 415
    assert binary["body"] == "<3 bytes, image/png>"
    assert set(read) == {
        "id",
        "at",
        "method",
        "path",
        "query",
        "headers",
        "body",
        "operation",
        "status",
        "problems",
    }


def test_a_long_body_is_kept_clipped(control: ASGIClient) -> None:
    control.post(NEW_PROFILE, json={"profession": "x" * 5000})
    (entry,) = control.get("/__mock__/requests", params={"limit": 1}).json()["results"]
    assert isinstance(entry["body"], str) and len(entry["body"]) == 2048
    assert entry["body"].startswith('{"profession":"xxx') and entry["body"].endswith("…")


def test_the_journal_filters(control: ASGIClient) -> None:
    control.request("DELETE", "/__mock__/requests")
    before = datetime.now(UTC) - timedelta(seconds=1)
    control.get(PROFILE)
    control.get(PROFILE)
    control.post(NEW_PROFILE, json={"profession": "x" * 101})  # a 400
    control.get("/api/no/such/path/")

    def count(**filters: Any) -> int:
        listed = control.get("/__mock__/requests", params=filters).json()
        counted = control.get("/__mock__/requests/count", params=filters).json()["count"]
        assert listed["count"] == counted
        return counted

    assert count() == 4
    assert count(operation=PROFILE_READ) == 2
    assert count(method="get") == count(method="GET") == 3
    assert count(path=PROFILE) == 2
    assert count(path="/api/ai-mentor/*") == 3
    assert count(status="200") == 2
    assert count(status="4xx") == 2
    assert count(status="5xx") == 0
    assert count(since=before.isoformat()) == 4
    assert count(since=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == 0
    assert count(method="GET", status="4xx") == 1
    limited = control.get("/__mock__/requests", params={"limit": 1}).json()
    assert (limited["count"], len(limited["results"])) == (4, 1)
    assert limited["results"][0]["path"] == "/api/no/such/path/"


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"stauts": "404"}, {"detail": 'Unknown query parameter(s): "stauts".'}),
        ({"status": "4x"}, "status"),
        ({"status": "600"}, "status"),
        ({"since": "yesterday"}, "since"),
        ({"limit": "201"}, {"limit": ["Ensure this value is less than or equal to 200."]}),
        ({"limit": "0"}, "limit"),
        ({"method": "GET /"}, "method"),
    ],
)
def test_bad_journal_filters_are_refused_by_name(
    control: ASGIClient, query: dict[str, str], problem: Any
) -> None:
    for path in ("/__mock__/requests", "/__mock__/requests/count"):
        if path.endswith("count") and "limit" in query:
            continue
        response = control.get(path, params=query)
        assert response.status_code == 400, response.text
        if isinstance(problem, str):
            assert list(response.json()) == [problem]
            assert all(isinstance(m, str) for m in response.json()[problem])
        else:
            assert response.json() == problem


def test_clearing_the_journal_keeps_ids_counting(control: ASGIClient) -> None:
    control.get(PROFILE)
    last = control.get("/__mock__/requests").json()["results"][0]["id"]
    assert control.request("DELETE", "/__mock__/requests").status_code == 204
    assert control.get("/__mock__/requests").json() == {"count": 0, "results": []}
    control.get(PROFILE)
    assert control.get("/__mock__/requests").json()["results"][0]["id"] == last + 1


# --- overrides ---------------------------------------------------------------------------------


def test_overrides_are_installed_listed_read_and_removed(control: ASGIClient) -> None:
    created = control.post("/__mock__/overrides", json={"operation": PROFILE_READ, "status": 404})
    assert created.status_code == 201, created.text
    shown = created.json()
    assert (shown["operation"], shown["status"], shown["used"]) == (PROFILE_READ, 404, 0)
    other = control.post("/__mock__/overrides", json={"operation": PROFILE_READ, "times": 2})
    listed = control.get("/__mock__/overrides").json()
    assert listed["count"] == 2
    assert [o["id"] for o in listed["results"]] == [shown["id"], other.json()["id"]]
    assert control.get(f"/__mock__/overrides/{shown['id']}").json() == shown
    assert control.request("DELETE", f"/__mock__/overrides/{shown['id']}").status_code == 204
    gone = control.get(f"/__mock__/overrides/{shown['id']}")
    assert (gone.status_code, gone.json()) == (404, {"detail": f'No override "{shown["id"]}".'})
    assert control.request("DELETE", f"/__mock__/overrides/{shown['id']}").status_code == 404
    assert control.request("DELETE", "/__mock__/overrides").status_code == 204
    assert control.get("/__mock__/overrides").json() == {"count": 0, "results": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"operation": "no_such_operation"}, "operation"),
        ({"operation": PROFILE_READ, "status": 299}, "status"),
        ({"operation": PROFILE_READ, "times": 0}, "times"),
        ({"status": 404}, "operation"),
    ],
)
def test_a_refused_override_is_a_400_naming_the_field(
    control: ASGIClient, body: dict[str, Any], field: str
) -> None:
    response = control.post("/__mock__/overrides", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()
    assert control.get("/__mock__/overrides").json()["count"] == 0


# --- settings ----------------------------------------------------------------------------------


def test_settings_change_only_when_the_whole_body_is_right(control: ASGIClient) -> None:
    assert control.get("/__mock__/settings").json() == {"latency": None, "error_rate": 0.0}
    changed = control.request("PUT", "/__mock__/settings", json={"latency": 20, "error_rate": 0.5})
    assert changed.status_code == 200
    assert changed.json() == {"latency": {"fixed_ms": 20}, "error_rate": 0.5}
    refused = control.request(
        "PUT", "/__mock__/settings", json={"latency": {"uniform": [9, 1]}, "error_rate": 0.1}
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"latency"}
    assert control.get("/__mock__/settings").json() == changed.json()  # nothing changed
    wrong_type = control.request("PUT", "/__mock__/settings", json={"error_rate": "high"})
    assert (wrong_type.status_code, list(wrong_type.json())) == (400, ["error_rate"])


# --- snapshots ---------------------------------------------------------------------------------


def test_a_snapshot_is_saved_listed_and_restored(control: ASGIClient) -> None:
    seeded = control.get("/__mock__/state").json()
    saved = control.post("/__mock__/snapshots", json={"name": "seeded"})
    assert saved.status_code == 201
    assert saved.json()["name"] == "seeded" and saved.json()["records"] == seeded["records"]
    grown = _written(control)
    again = control.post("/__mock__/snapshots", json={"name": "grown"})
    assert again.json()["records"] == grown
    listed = control.get("/__mock__/snapshots").json()
    assert [s["name"] for s in listed["results"]] == ["seeded", "grown"]
    restored = control.post("/__mock__/snapshots/seeded/restore")
    assert restored.status_code == 200
    assert restored.json() == {"detail": 'Restored the snapshot "seeded".', **seeded}
    assert control.get(NEW_PROFILE).status_code == 404
    assert control.post("/__mock__/snapshots/grown/restore").json()["records"] == grown
    assert control.get(NEW_PROFILE).json()["profession"] == "Cartographer"
    # Restoring again gives the same state: a snapshot is not used up.
    control.post("/__mock__/snapshots/seeded/restore")
    assert control.post("/__mock__/snapshots/grown/restore").json()["records"] == grown


def test_saving_a_name_again_replaces_it(control: ASGIClient) -> None:
    control.post("/__mock__/snapshots", json={"name": "demo"})
    grown = _written(control)
    assert control.post("/__mock__/snapshots", json={"name": "demo"}).status_code == 201
    assert control.get("/__mock__/snapshots").json()["count"] == 1
    control.post("/__mock__/reset")
    assert control.post("/__mock__/snapshots/demo/restore").json()["records"] == grown


def test_unknown_snapshots_are_404(control: ASGIClient) -> None:
    for method, path in [
        ("POST", "/__mock__/snapshots/nope/restore"),
        ("GET", "/__mock__/snapshots/nope"),
        ("DELETE", "/__mock__/snapshots/nope"),
    ]:
        response = control.request(method, path)
        assert (response.status_code, response.json()) == (
            404,
            {"detail": 'No snapshot named "nope".'},
        )


@pytest.mark.parametrize("name", ["", "has space", "-flag", ".hidden", "x" * 65, "ü"])
def test_snapshot_names_are_checked(control: ASGIClient, name: str) -> None:
    response = control.post("/__mock__/snapshots", json={"name": name})
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_at_most_32_snapshots_are_kept(control: ASGIClient) -> None:
    for number in range(MAX_SNAPSHOTS):
        assert control.post("/__mock__/snapshots", json={"name": f"s{number}"}).status_code == 201
    refused = control.post("/__mock__/snapshots", json={"name": "one-more"})
    assert refused.status_code == 400
    assert "At most 32 snapshots" in refused.json()["detail"]
    assert control.post("/__mock__/snapshots", json={"name": "s0"}).status_code == 201  # replaced
    assert control.request("DELETE", "/__mock__/snapshots/s1").status_code == 204
    assert control.post("/__mock__/snapshots", json={"name": "one-more"}).status_code == 201


def test_an_export_names_its_format_document_and_seed(
    app: MockApplication, control: ASGIClient
) -> None:
    control.post("/__mock__/snapshots", json={"name": "seeded"})
    export = control.get("/__mock__/snapshots/seeded").json()
    # the document as /openapi.json serves it, but for its servers (the asking host's origin)
    document = json.loads(control.get("/openapi.json").content)
    document["servers"] = app.loaded.document["servers"]
    served = hashlib.sha256(encode_json(document)).hexdigest()
    assert (export["format"], export["document"], export["seed"]) == (STATE_FORMAT, served, 0)
    assert export["records"] == len(export["store"]["records"])
    assert export["records"] == control.get("/__mock__/state").json()["records"]


def test_an_export_is_imported_under_a_name_and_restored(control: ASGIClient) -> None:
    grown = _written(control)
    control.post("/__mock__/snapshots", json={"name": "grown"})
    export = control.get("/__mock__/snapshots/grown").json()
    control.post("/__mock__/reset")
    put = control.request("PUT", "/__mock__/snapshots/copy", json=export)
    assert (put.status_code, put.json()["records"]) == (201, grown)
    assert control.request("PUT", "/__mock__/snapshots/copy", json=export).status_code == 200
    assert control.get("/__mock__/state").json()["records"] == grown - 1  # kept, not loaded
    assert control.post("/__mock__/snapshots/copy/restore").json()["records"] == grown
    assert control.get(NEW_PROFILE).json()["profession"] == "Cartographer"
    # A record written after the restore does not reach the kept copy.
    control.request("PUT", NEW_PROFILE, json={"profession": "Surveyor"})
    assert control.get("/__mock__/snapshots/copy").json()["store"] == export["store"]
    assert control.request("DELETE", "/__mock__/snapshots/copy").status_code == 204


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda e: {**e, "format": "ibl-mock-state/0"}, "format"),
        (lambda e: {**e, "document": "0" * 64}, "document"),
        (lambda e: {**e, "records": e["records"] + 1}, "records"),
        (lambda e: {**e, "store": {**e["store"], "records": [["Course", [], {}]]}}, "store"),
        (lambda e: {**e, "store": {**e["store"], "ids": {"Course": "7"}}}, "store"),
        (lambda e: {k: v for k, v in e.items() if k != "store"}, "store"),
    ],
)
def test_a_wrong_export_is_refused_whole(
    control: ASGIClient, damage: Callable[[dict[str, Any]], Any], field: str
) -> None:
    control.post("/__mock__/snapshots", json={"name": "seeded"})
    export = control.get("/__mock__/snapshots/seeded").json()
    response = control.request("PUT", "/__mock__/snapshots/copy", json=damage(export))
    assert response.status_code == 400, response.text
    assert field in response.json()
    assert control.get("/__mock__/snapshots/copy").status_code == 404


# --- the document, routing, refusals -----------------------------------------------------------


def test_the_control_document_is_served_and_every_operation_answers(app: MockApplication) -> None:
    document = yaml.safe_load(CONTROL_DOCUMENT_PATH.read_text())
    assert app.control.document.document == document
    operations = {
        op["operationId"]
        for item in document["paths"].values()
        for key, op in item.items()
        if key != "parameters"
    }
    assert operations == set(app.control.handlers)


def test_the_document_is_json_at_its_path(control: ASGIClient) -> None:
    response = control.get("/__mock__/openapi.json")
    assert response.headers["content-type"] == "application/json"
    assert response.json()["info"]["title"] == "ibl-mock control"


def test_docs_offer_both_documents(control: ASGIClient) -> None:
    assert 'configUrl: "swagger-ui-config.json"' in control.get("/docs/").text
    urls = control.get("/docs/swagger-ui-config.json").json()["urls"]
    listed = [entry["url"] for entry in urls]
    assert listed[0] == "/openapi.json?tag=ai-mentor"  # the most operations first
    assert listed[-2:] == ["/openapi.json", "/__mock__/openapi.json"]
    assert len(listed) == 2 + 25  # a document per tag


def test_a_method_a_control_path_lacks_is_405_with_allow(control: ASGIClient) -> None:
    response = control.request("PATCH", "/__mock__/state")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PATCH" not allowed.'}
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    snapshot = control.request("PUT", "/__mock__/snapshots/x/restore")
    assert (snapshot.status_code, snapshot.headers["allow"]) == (405, "POST, OPTIONS")
    options = control.request("OPTIONS", "/__mock__/requests")
    assert (options.status_code, options.headers["allow"]) == (200, "DELETE, GET, HEAD, OPTIONS")
    assert control.request("HEAD", "/__mock__/state").status_code == 200


def test_an_unknown_control_path_is_404(control: ASGIClient) -> None:
    for path in ("/__mock__", "/__mock__/", "/__mock__/nothing", "/__mock__/state/"):
        response = control.get(path)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_a_body_that_is_not_json_is_a_415(control: ASGIClient) -> None:
    response = control.post(
        "/__mock__/snapshots",
        content=b"name=x",
        headers={"content-type": "text/plain", "x-mock-control": "1"},
    )
    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "text/plain" in request.'}
    broken = control.post(
        "/__mock__/snapshots", content=b"{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("JSON parse error - ")


# --- the control key ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(mock_app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    settings = Settings(
        auth="fixtures", control_key=KEY, control_origins=("http://localhost:3000",)
    )
    return make_client(MockApplication(settings, loaded=mock_app.loaded).asgi)


def test_with_a_control_key_every_request_needs_it(keyed: ASGIClient) -> None:
    missing = keyed.get("/__mock__/state")
    assert missing.status_code == 403
    assert "X-Mock-Control-Key" in missing.json()["detail"]
    wrong = keyed.post("/__mock__/reset", headers={"x-mock-control-key": "guess"})
    assert (wrong.status_code, wrong.json()) == (403, {"detail": "Invalid X-Mock-Control-Key."})
    assert keyed.request("PATCH", "/__mock__/state").status_code == 403  # before routing
    assert keyed.get("/__mock__/nothing").status_code == 403
    right = keyed.get("/__mock__/state", headers={"x-mock-control-key": KEY})
    assert right.status_code == 200
    assert keyed.get("/__mock__/openapi.json").status_code == 200  # the document is public


def test_the_key_does_not_let_a_foreign_page_in(keyed: ASGIClient) -> None:
    headers = {"x-mock-control-key": KEY, "origin": "https://attacker.example"}
    assert keyed.post("/__mock__/reset", headers=headers).status_code == 403


def test_a_listed_origin_may_send_the_key(keyed: ASGIClient) -> None:
    preflight = keyed.request(
        "OPTIONS",
        "/__mock__/reset",
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-mock-control-key",
        },
    )
    assert preflight.status_code == 200
    assert "x-mock-control-key" in preflight.headers["access-control-allow-headers"]


def test_without_a_key_the_control_endpoints_need_none(control: ASGIClient) -> None:
    assert control.get("/__mock__/state").status_code == 200


# --- --state FILE ------------------------------------------------------------------------------


def test_a_mock_starts_from_an_exported_state_and_resets_to_it(
    control: ASGIClient,
    mock_app: MockApplication,
    make_client: Callable[[Any], ASGIClient],
    tmp_path: Path,
) -> None:
    grown = _written(control)
    control.post("/__mock__/snapshots", json={"name": "grown"})
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(control.get("/__mock__/snapshots/grown").json()))
    started = make_client(
        MockApplication(Settings(state_path=state_file), loaded=mock_app.loaded).asgi
    )
    assert started.get("/__mock__/state").json()["records"] == grown
    assert started.get(NEW_PROFILE).json()["profession"] == "Cartographer"
    started.request("DELETE", NEW_PROFILE)
    assert started.post("/__mock__/reset").json()["records"] == grown


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{", "not JSON"),
        (b"[]", "Expected a dictionary"),
        (json.dumps({"format": "x", "document": "y", "store": {}}).encode(), "format"),
    ],
)
def test_a_bad_state_file_says_what_is_wrong(
    app: MockApplication, tmp_path: Path, content: bytes, reason: str
) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_bytes(content)
    with pytest.raises(StateFileError, match=reason) as raised:
        read_state_file(state_file, app.control.digest)
    assert str(state_file) in str(raised.value)


def test_a_mock_does_not_start_from_a_missing_state_file(
    mock_app: MockApplication, tmp_path: Path
) -> None:
    with pytest.raises(StateFileError, match="cannot read"):
        MockApplication(Settings(state_path=tmp_path / "missing.json"), loaded=mock_app.loaded)
