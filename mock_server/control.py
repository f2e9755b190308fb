"""A typed Python client of the mock's control API (`/__mock__/*`), standard library only.

```python
import pytest
from mock_server.control import MockControl

PROFILE = "ai_mentor_orgs_users_custom_instruction_retrieve"


@pytest.fixture
def mock() -> MockControl:
    control = MockControl("http://127.0.0.1:8000")  # control_key="..." with --control-key
    control.reset()
    control.clear_requests()
    return control


def test_the_page_survives_a_missing_profile(mock: MockControl) -> None:
    with mock.override(PROFILE, status=404, times=1):  # removed on leaving the block
        ...  # drive the frontend
    assert mock.count(operation=PROFILE, status="4xx") == 1


def test_a_slow_network(mock: MockControl) -> None:
    with mock.set_settings(latency="100-300"):  # the previous settings come back on exit
        ...


def test_from_a_known_state(mock: MockControl) -> None:
    with mock.snapshot("before"):  # saved now, restored on exit (and kept)
        ...  # create, change, delete freely
```

Every answer the mock refuses raises `ControlError`, carrying the status and the body in
DRF's shape (`{"detail": "..."}`, `{"field": ["message"]}`). A mock that cannot be reached
raises `urllib.error.URLError`, as urllib does.

The writes that change how the mock answers return a handle that is also a context manager,
undoing the change on exit: `override` (removes the override), `set_settings` (puts the
previous settings back) and `snapshot` (restores the saved state; the snapshot stays, under
its name). Used without `with`, they simply stay in force.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlencode

CONTROL_KEY_HEADER = "X-Mock-Control-Key"
SESSION_HEADER = "X-Mock-Session"
COUNT_FILTERS = ("operation", "method", "path", "status", "since")
FILTERS = (*COUNT_FILTERS, "limit")


class ControlError(Exception):
    """The mock refused a control request: its status and its (DRF-shaped) body."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method, self.path, self.status, self.body = method, path, status, body
        super().__init__(f"{method} {path} answered {status}: {json.dumps(body)[:500]}")


class _Undoable:
    """A change the caller may undo with `with`: undone on leaving the block."""

    def undo(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.undo()


class Override(_Undoable):
    """An installed override (`data` as the mock showed it on install); `remove()` ends it."""

    def __init__(self, control: MockControl, data: dict[str, Any]) -> None:
        self.control = control
        self.data = data
        self.id: str = data["id"]

    def current(self) -> dict[str, Any] | None:
        """The override as the mock shows it now (`used`, `remaining`); None once it is gone."""
        try:
            return self.control.call("GET", f"/__mock__/overrides/{quote(self.id)}")
        except ControlError as error:
            if error.status == 404:
                return None
            raise

    def remove(self) -> None:
        """Remove it; one already gone (spent, cleared) is no error."""
        try:
            self.control.call("DELETE", f"/__mock__/overrides/{quote(self.id)}")
        except ControlError as error:
            if error.status != 404:
                raise

    undo = remove


class SettingsChange(_Undoable):
    """Settings put in force: `settings` now, `previous` before; `undo()` puts those back."""

    def __init__(
        self, control: MockControl, settings: dict[str, Any], previous: dict[str, Any]
    ) -> None:
        self.control = control
        self.settings = settings
        self.previous = previous

    def undo(self) -> None:
        self.control.call("PUT", "/__mock__/settings", self.previous)


class Snapshot(_Undoable):
    """A named snapshot; `restore()` (and leaving a `with` block) puts the store back to it."""

    def __init__(self, control: MockControl, data: dict[str, Any]) -> None:
        self.control = control
        self.data = data
        self.name: str = data["name"]

    def restore(self) -> dict[str, Any]:
        return self.control.restore(self.name)

    def undo(self) -> None:
        self.restore()


class MockControl:
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        control_key: str | None = None,
        timeout: float = 10,
        session: str | None = None,
    ) -> None:
        """`session`: the session this client acts on (its store, journal, overrides and
        settings); None, the default session."""
        self.base_url = base_url.rstrip("/")
        self.control_key = control_key
        self.timeout = timeout
        self.session = session

    def in_session(self, name: str) -> MockControl:
        """This client, acting on the session `name` instead."""
        return MockControl(
            self.base_url, control_key=self.control_key, timeout=self.timeout, session=name
        )

    # -- state ----------------------------------------------------------------------------------

    def reset(self) -> dict[str, Any]:
        """The store back to the world the mock started with; `{detail, records, resources}`."""
        return self.call("POST", "/__mock__/reset")

    def state(self) -> dict[str, Any]:
        """`{"records": N, "resources": {type: count}}`."""
        return self.call("GET", "/__mock__/state")

    # -- the journal ----------------------------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Recent requests, newest first. Filters: operation, method, path (exact, or a prefix
        ending in `*`), status (404 or "4xx"), since (a datetime or ISO text), limit."""
        return list(self.call("GET", "/__mock__/requests" + _query(filters, FILTERS))["results"])

    def count(self, **filters: Any) -> int:
        """How many recent requests match (the filters of `requests` but limit)."""
        query = _query(filters, COUNT_FILTERS)
        return int(self.call("GET", "/__mock__/requests/count" + query)["count"])

    def clear_requests(self) -> None:
        self.call("DELETE", "/__mock__/requests")

    # -- overrides ------------------------------------------------------------------------------

    def override(self, operation: str, **fields: Any) -> Override:
        """Install an override of `operation`: status, body or patch, headers, delay, fault,
        match, sequence, times, allow_invalid (see the README)."""
        installed = self.call("POST", "/__mock__/overrides", {"operation": operation, **fields})
        return Override(self, installed)

    def overrides(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/__mock__/overrides")["results"])

    def clear_overrides(self) -> None:
        self.call("DELETE", "/__mock__/overrides")

    # -- settings -------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """`{"latency": null | {...}, "error_rate": 0.0}`."""
        return self.call("GET", "/__mock__/settings")

    def set_settings(self, **fields: Any) -> SettingsChange:
        """Change latency and/or error_rate (latency=None removes it)."""
        previous = self.settings()
        return SettingsChange(self, self.call("PUT", "/__mock__/settings", fields), previous)

    # -- snapshots ------------------------------------------------------------------------------

    def snapshot(self, name: str) -> Snapshot:
        """Save the store under `name` (replacing a snapshot of that name)."""
        return Snapshot(self, self.call("POST", "/__mock__/snapshots", {"name": name}))

    def snapshots(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/__mock__/snapshots")["results"])

    def restore(self, name: str) -> dict[str, Any]:
        return self.call("POST", f"/__mock__/snapshots/{quote(name)}/restore")

    def export(self, name: str) -> dict[str, Any]:
        """The snapshot as a file `ibl-mock serve --state FILE` starts from (json.dump it)."""
        return self.call("GET", f"/__mock__/snapshots/{quote(name)}")

    def import_(self, name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Keep an export under `name`; `restore(name)` then puts it in force."""
        return self.call("PUT", f"/__mock__/snapshots/{quote(name)}", data)

    def delete_snapshot(self, name: str) -> None:
        self.call("DELETE", f"/__mock__/snapshots/{quote(name)}")

    # -- sessions -------------------------------------------------------------------------------

    def sessions(self) -> list[dict[str, Any]]:
        """Every session: name, records, written, requests, last_used; most recent first."""
        return list(self.call("GET", "/__mock__/sessions")["results"])

    def drop_session(self, name: str) -> None:
        """Forget the session and everything it holds (ControlError 404 if there is none)."""
        self.call("DELETE", f"/__mock__/sessions/{quote(name)}")

    # -- the wire -------------------------------------------------------------------------------

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One control request; its JSON answer (None for a 204), or ControlError."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.control_key is not None:
            headers[CONTROL_KEY_HEADER] = self.control_key
        if self.session is not None:
            headers[SESSION_HEADER] = self.session
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                content = answer.read()
        except urllib.error.HTTPError as error:
            raise ControlError(method, path, error.code, _json_or_text(error.read())) from None
        return json.loads(content) if content else None


def _query(filters: Mapping[str, Any], known: tuple[str, ...]) -> str:
    unknown = sorted(set(filters) - set(known))
    if unknown:  # the mock refuses them too; saying so here names the call at fault
        raise TypeError(f"unknown filter(s) {', '.join(unknown)}; known: {', '.join(known)}")
    pairs = {
        name: value.isoformat() if isinstance(value, datetime) else str(value)
        for name, value in filters.items()
        if value is not None
    }
    return "?" + urlencode(pairs) if pairs else ""


def _json_or_text(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")
