"""What each operation of the control document does: one method per operationId.

Plain values in, plain values out (`ControlCall` -> `ControlAnswer`): the request has been
routed and validated against control.yaml by then (routes.py), so a method reads its inputs
without checking their types again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from mock_server.admin.snapshots import ExportProblem, ShelfFull, SnapshotShelf
from mock_server.admin.world import list_paths, world_answer
from mock_server.handlers import MockEngine
from mock_server.handlers.journal import JournalFilter
from mock_server.sessions import DEFAULT_SESSION
from mock_server.steering import SteeringProblem

DEFAULT_LIMIT = 100
RESET_DETAIL = "Reset to the seeded state."


@dataclass(frozen=True)
class ControlCall:
    path: Mapping[str, str] = field(default_factory=dict)  # path parameters
    query: Mapping[str, str] = field(default_factory=dict)  # last value of each, blanks dropped
    body: Any = None  # the JSON value, None without one


@dataclass(frozen=True)
class ControlAnswer:
    status: int
    body: Any = None  # a JSON value; None: no body (204)
    raw: bytes | None = None  # bytes already encoded (the control document)


def _detail(status: int, message: str) -> ControlAnswer:
    return ControlAnswer(status, {"detail": message})


def _page(results: list[Any], count: int | None = None) -> ControlAnswer:
    return ControlAnswer(
        200, {"count": len(results) if count is None else count, "results": results}
    )


NO_CONTENT = ControlAnswer(204)


def _instant(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")
    return moment.replace("+00:00", "Z")


class ControlOperations:
    def __init__(
        self,
        engine: MockEngine,
        shelf: SnapshotShelf,
        *,
        document: Callable[[], bytes],
    ) -> None:
        self.engine = engine
        self.shelf = shelf
        self._document = document

    def handlers(self) -> dict[str, Callable[[ControlCall], ControlAnswer]]:
        """operationId -> its method; every operation of control.yaml has one (a test holds)."""
        return {
            "resetState": self.reset_state,
            "listSessions": self.list_sessions,
            "dropSession": self.drop_session,
            "getState": self.get_state,
            "getWorld": self.get_world,
            "listRequests": self.list_requests,
            "countRequests": self.count_requests,
            "clearRequests": self.clear_requests,
            "listOverrides": self.list_overrides,
            "createOverride": self.create_override,
            "clearOverrides": self.clear_overrides,
            "getOverride": self.get_override,
            "deleteOverride": self.delete_override,
            "getSettings": self.get_settings,
            "updateSettings": self.update_settings,
            "listSnapshots": self.list_snapshots,
            "createSnapshot": self.create_snapshot,
            "exportSnapshot": self.export_snapshot,
            "importSnapshot": self.import_snapshot,
            "deleteSnapshot": self.delete_snapshot,
            "restoreSnapshot": self.restore_snapshot,
            "getControlDocument": self.get_control_document,
        }

    def summary(self) -> dict[str, Any]:
        counts = self.engine.store.counts()
        return {"records": sum(counts.values()), "resources": counts}

    # -- state ----------------------------------------------------------------------------------

    def reset_state(self, call: ControlCall) -> ControlAnswer:
        """The session back to the starting world: its store only (its journal, overrides and
        settings stay). Other sessions are not touched."""
        self.engine.session().store.reset()
        return ControlAnswer(200, {"detail": RESET_DETAIL, **self.summary()})

    # -- sessions -------------------------------------------------------------------------------

    def list_sessions(self, call: ControlCall) -> ControlAnswer:
        assert self.engine.sessions is not None
        listed = [
            {
                "name": session.name,
                "records": sum(session.store.counts().values()),
                "written": session.store.written(),
                "requests": session.journal.total(),
                "last_used": _instant(session.last_used),
            }
            for session in self.engine.sessions.listing()
        ]
        return _page(listed)

    def drop_session(self, call: ControlCall) -> ControlAnswer:
        assert self.engine.sessions is not None
        name = call.path["name"]
        if name == DEFAULT_SESSION:
            return _detail(
                400, "The default session is never dropped; POST /__mock__/reset resets it."
            )
        if not self.engine.sessions.drop(name):
            return _detail(404, "Not found.")
        return NO_CONTENT

    def get_state(self, call: ControlCall) -> ControlAnswer:
        return ControlAnswer(200, self.summary())

    def get_world(self, call: ControlCall) -> ControlAnswer:
        return ControlAnswer(200, world_answer(self.engine, self._list_paths))

    @cached_property
    def _list_paths(self) -> dict[str, dict[str, str]]:
        return list_paths(self.engine)  # the model never changes: worked out once

    def get_control_document(self, call: ControlCall) -> ControlAnswer:
        return ControlAnswer(200, raw=self._document())

    # -- the journal ----------------------------------------------------------------------------

    def list_requests(self, call: ControlCall) -> ControlAnswer:
        wanted = _journal_filter(call.query)
        if isinstance(wanted, ControlAnswer):
            return wanted
        limit = int(call.query.get("limit", DEFAULT_LIMIT))
        count, results = self.engine.journal.select(wanted, limit)
        return _page(results, count)

    def count_requests(self, call: ControlCall) -> ControlAnswer:
        wanted = _journal_filter(call.query)
        if isinstance(wanted, ControlAnswer):
            return wanted
        count, _ = self.engine.journal.select(wanted, 0)
        return ControlAnswer(200, {"count": count})

    def clear_requests(self, call: ControlCall) -> ControlAnswer:
        self.engine.journal.clear()
        return NO_CONTENT

    # -- overrides ------------------------------------------------------------------------------

    def list_overrides(self, call: ControlCall) -> ControlAnswer:
        return _page([override.to_json() for override in self.engine.overrides.list()])

    def create_override(self, call: ControlCall) -> ControlAnswer:
        try:
            override = self.engine.overrides.add(call.body)
        except SteeringProblem as problem:
            return ControlAnswer(400, problem.detail)
        return ControlAnswer(201, override.to_json())

    def clear_overrides(self, call: ControlCall) -> ControlAnswer:
        self.engine.overrides.clear()
        return NO_CONTENT

    def get_override(self, call: ControlCall) -> ControlAnswer:
        override = self.engine.overrides.get(call.path["id"])
        if override is None:
            return _detail(404, f'No override "{call.path["id"]}".')
        return ControlAnswer(200, override.to_json())

    def delete_override(self, call: ControlCall) -> ControlAnswer:
        if not self.engine.overrides.remove(call.path["id"]):
            return _detail(404, f'No override "{call.path["id"]}".')
        return NO_CONTENT

    # -- settings -------------------------------------------------------------------------------

    def get_settings(self, call: ControlCall) -> ControlAnswer:
        return ControlAnswer(200, self.engine.chaos.to_json())

    def update_settings(self, call: ControlCall) -> ControlAnswer:
        try:
            self.engine.chaos.update(call.body)
        except SteeringProblem as problem:
            return ControlAnswer(400, problem.detail)
        return ControlAnswer(200, self.engine.chaos.to_json())

    # -- snapshots ------------------------------------------------------------------------------

    def list_snapshots(self, call: ControlCall) -> ControlAnswer:
        return _page(self.shelf.list())

    def create_snapshot(self, call: ControlCall) -> ControlAnswer:
        try:
            named = self.shelf.save(call.body["name"])
        except ShelfFull as full:
            return _detail(400, str(full))
        return ControlAnswer(201, named.to_json())

    def export_snapshot(self, call: ControlCall) -> ControlAnswer:
        export = self.shelf.export(call.path["name"])
        if export is None:
            return _unknown_snapshot(call)
        return ControlAnswer(200, export)

    def import_snapshot(self, call: ControlCall) -> ControlAnswer:
        try:
            named, new = self.shelf.import_(call.path["name"], call.body)
        except ExportProblem as problem:
            return ControlAnswer(400, problem.detail)
        except ShelfFull as full:
            return _detail(400, str(full))
        return ControlAnswer(201 if new else 200, named.to_json())

    def delete_snapshot(self, call: ControlCall) -> ControlAnswer:
        if not self.shelf.remove(call.path["name"]):
            return _unknown_snapshot(call)
        return NO_CONTENT

    def restore_snapshot(self, call: ControlCall) -> ControlAnswer:
        name = call.path["name"]
        if not self.shelf.restore(name):
            return _unknown_snapshot(call)
        return ControlAnswer(200, {"detail": f'Restored the snapshot "{name}".', **self.summary()})


def _unknown_snapshot(call: ControlCall) -> ControlAnswer:
    return _detail(404, f'No snapshot named "{call.path["name"]}".')


def _journal_filter(query: Mapping[str, str]) -> JournalFilter | ControlAnswer:
    """The filters of a journal query; a `since` the validator let through but Python cannot
    read is refused as DRF refuses a date-time."""
    since: datetime | None = None
    if "since" in query:
        try:
            since = datetime.fromisoformat(query["since"].replace("z", "Z"))
        except ValueError:
            return ControlAnswer(400, {"since": ["Enter a valid date/time."]})
    return JournalFilter(
        operation=query.get("operation"),
        method=query.get("method"),
        path=query.get("path"),
        status=query.get("status"),
        since=since,
    )
