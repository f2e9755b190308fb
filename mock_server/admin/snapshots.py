"""Named snapshots of the store, and their export: a file the mock can start from.

A snapshot saved here is the store's own `snapshot()` (cheap: field maps are copied, values
shared). An export is `store.dump()` with what it needs to be read back safely:

    {"format": "ibl-mock-state/1", "document": "<sha256 of the patched document>", "seed": 0,
     "records": 452, "store": {...}}

An export is checked whole before anything keeps it: its format, the document it was taken
from (records only make sense against the model of the same document), the shape of its dump,
and then a load into a fresh store, so a bad one is refused and never half-loaded. An imported
snapshot is kept as the export's bytes: immutable, and put back with `store.load`, which gives
its records sequence numbers of the live store (a foreign `snapshot()` would bring its own).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mock_server.messages import encode_json
from mock_server.store import InMemoryStore, LayeredStore, Store

STATE_FORMAT = "ibl-mock-state/1"
MAX_SNAPSHOTS = 32
SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DUMP_KEYS = ("records", "ids", "seeded")


class ExportProblem(Exception):
    """A refused export; `detail` is the DRF-shaped 400 body naming the field at fault."""

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__(detail)
        self.detail = detail

    @classmethod
    def on(cls, field: str, message: str) -> ExportProblem:
        return cls({field: [message]})


class ShelfFull(Exception):
    pass


class StateFileError(Exception):
    """`--state FILE` names a file the mock cannot start from (the message says why)."""


@dataclass(frozen=True)
class NamedSnapshot:
    name: str
    created: str
    records: int
    native: object | None = None  # the live store's snapshot()
    exported: bytes | None = None  # an imported export, as JSON

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "records": self.records, "created": self.created}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dump_problem(dump: object) -> str | None:
    """What is wrong with the shape of a `store.dump()`, or None."""
    if not isinstance(dump, Mapping):
        return "Expected the object store.dump() writes."
    missing = [key for key in _DUMP_KEYS if key not in dump]
    if missing:
        return f"Missing {', '.join(missing)}."
    records, ids, seeded = (dump[key] for key in _DUMP_KEYS)
    if not isinstance(records, list) or not all(_is_record(entry) for entry in records):
        return "records: expected [resource, scope, data] entries: a text, texts, an object."
    if not isinstance(ids, Mapping) or not all(_is_count(value) for value in ids.values()):
        return "ids: expected resource type -> the highest integer id it has held."
    if not isinstance(seeded, list) or not all(_is_claim(entry) for entry in seeded):
        return "seeded: expected [resource, [[name, value], ...]] entries, all texts."
    return None


def _is_record(entry: object) -> bool:
    if not isinstance(entry, list) or len(entry) != 3:
        return False
    resource, scope, data = entry
    scoped = isinstance(scope, dict) and all(isinstance(v, str) for v in scope.values())
    return isinstance(resource, str) and scoped and isinstance(data, dict)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _texts(entry: object, length: int) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == length
        and all(isinstance(part, str) for part in entry)
    )


def _is_claim(entry: object) -> bool:
    if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
        return False
    return isinstance(entry[1], list) and all(_texts(pair, 2) for pair in entry[1])


def check_export(export: object, digest: str) -> tuple[dict[str, Any], InMemoryStore]:
    """The export's dump and a fresh store holding it, or ExportProblem naming the fault."""
    if not isinstance(export, Mapping):
        got = type(export).__name__
        raise ExportProblem(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {got}."]}
        )
    missing = [k for k in ("format", "document", "store") if k not in export]
    if missing:
        raise ExportProblem({key: ["This field is required."] for key in missing})
    if export["format"] != STATE_FORMAT:
        raise ExportProblem.on(
            "format", f'Expected "{STATE_FORMAT}", got {json.dumps(export["format"])[:80]}.'
        )
    if export["document"] != digest:
        shown = str(export["document"])[:64]
        raise ExportProblem.on(
            "document",
            f"Taken from another document (sha256 {shown}); this mock serves {digest}.",
        )
    dump = export["store"]
    problem = _dump_problem(dump)
    if problem is not None:
        raise ExportProblem.on("store", problem)
    records = export.get("records")
    if records is not None and records != len(dump["records"]):
        raise ExportProblem.on(
            "records", f"Says {records} records; the store holds {len(dump['records'])}."
        )
    fresh = InMemoryStore()
    try:
        fresh.load(dump)
    except (TypeError, ValueError, KeyError) as error:  # shapes above; a guard all the same
        raise ExportProblem.on("store", f"Not a store dump: {error}") from None
    return dict(dump), fresh


def read_state_file(path: Path, digest: str) -> dict[str, Any]:
    """The dump of an export file, checked as an import is, or StateFileError."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StateFileError(f"--state {path}: cannot read it ({error.strerror}).") from None
    try:
        export = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise StateFileError(f"--state {path}: not JSON ({error}).") from None
    try:
        dump, _ = check_export(export, digest)
    except ExportProblem as problem:
        reasons = "; ".join(f"{field}: {_words(said)}" for field, said in problem.detail.items())
        raise StateFileError(
            f"--state {path} is not an export of this mock ({reasons}). Export one with "
            "GET /__mock__/snapshots/{name}."
        ) from None
    return dump


def _words(said: object) -> str:
    return " ".join(map(str, said)) if isinstance(said, list) else str(said)


class SnapshotShelf:
    """At most `MAX_SNAPSHOTS` named snapshots of one store, thread-safe."""

    def __init__(
        self, store: Store, seeded: InMemoryStore, *, digest: Callable[[], str], seed: int
    ) -> None:
        """`store`: the current session's; `seeded`: the world every session's snapshot is
        taken over (so a snapshot saved in one session can be restored in another)."""
        self._store = store
        self._seeded = seeded
        self._digest = digest  # computed on first need: hashing the document costs ~15 ms
        self._seed = seed
        self._kept: dict[str, NamedSnapshot] = {}
        self._lock = threading.Lock()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [named.to_json() for named in self._kept.values()]

    def save(self, name: str) -> NamedSnapshot:
        records = sum(self._store.counts().values())
        named = NamedSnapshot(name, _now(), records, native=self._store.snapshot())
        self._keep(named)
        return named

    def import_(self, name: str, export: object) -> tuple[NamedSnapshot, bool]:
        """Keep a checked export under `name`; True when the name is new."""
        dump, fresh = check_export(export, self._digest())
        stored = encode_json(fresh.dump())  # bytes of its own: later changes cannot reach it
        named = NamedSnapshot(name, _now(), len(dump["records"]), exported=stored)
        return named, self._keep(named)

    def _keep(self, named: NamedSnapshot) -> bool:
        with self._lock:
            new = named.name not in self._kept
            if new and len(self._kept) >= MAX_SNAPSHOTS:
                raise ShelfFull(
                    f"At most {MAX_SNAPSHOTS} snapshots are kept: delete one "
                    "(DELETE /__mock__/snapshots/{name}) before saving another."
                )
            self._kept.pop(named.name, None)  # a replaced name moves to the end
            self._kept[named.name] = named
            return new

    def get(self, name: str) -> NamedSnapshot | None:
        with self._lock:
            return self._kept.get(name)

    def remove(self, name: str) -> bool:
        with self._lock:
            return self._kept.pop(name, None) is not None

    def restore(self, name: str) -> bool:
        named = self.get(name)
        if named is None:
            return False
        if named.native is not None:
            self._store.restore(named.native)
        else:
            assert named.exported is not None
            self._store.load(json.loads(named.exported))
        return True

    def export(self, name: str) -> dict[str, Any] | None:
        named = self.get(name)
        if named is None:
            return None
        if named.native is not None:
            carrier = LayeredStore(self._seeded)  # read through a session of its own
            carrier.restore(named.native)
            dump = carrier.dump()
        else:
            assert named.exported is not None
            dump = json.loads(named.exported)
        return {
            "format": STATE_FORMAT,
            "document": self._digest(),
            "seed": self._seed,
            "records": len(dump["records"]),
            "store": dump,
        }
