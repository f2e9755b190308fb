"""A new record's references name records that exist, in its tenant, made before it.

`Linker.link` runs when a record is made (seeded or created), before the client's fields are
written, so what a client sends is kept. For each reference the model infers
(`model.references`), the candidates are the target's records closest to the new record's
scope: its own scope and below, then its tenant's, then the platform-wide ones of its tenant. A
reference takes one of them, chosen by the record's key (so a list of records points at a
spread of targets, the same for the same seed); a list of references takes distinct ones; a
nested object shows the target's stored fields. With no candidate a list is empty and a single
reference is null where the schema allows it. A record then counts what it lists and was made
after what it references.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from mock_server.coherence import Timeline, fields
from mock_server.coherence.timeline import parse_moment
from mock_server.handlers.relations import KEEP, KEY_FIELDS, Relations, key_of
from mock_server.model.references import Reference
from mock_server.model.schemas import snake
from mock_server.spec.index import object_properties, resolve_ref
from mock_server.store import Record, Scope, Store
from mock_server.synthesis.heuristics import singular

Fits = Callable[[Mapping[str, Any], Any], bool]
# Recomputes, in place, the fields of a value derived from others (`Coherer.derive`: counts).
Derive = Callable[[Any, Mapping[str, Any]], Any]
_TENANT_FIELDS = ("platform_key", "org", "platform")
# How long after the latest record it references a seeded record is made.
_AFTER = timedelta(minutes=7)


class Linker:
    def __init__(
        self,
        document: Mapping[str, Any],
        graph: Mapping[str, tuple[Reference, ...]],
        store: Store,
        fits: Fits,
        lookups: Callable[[str], Sequence[str]],
        timeline: Timeline,
        derive: Derive | None = None,
        record_types: Mapping[str, str] | None = None,
    ) -> None:
        self.document = document
        self.graph = graph
        # resource -> the component describing its records, for writing to a named record
        self.record_types = record_types or {}
        self.relations = Relations(self)
        self.inverses = self.relations.inverses
        self.store = store
        self.fits = fits
        self.lookups = lookups
        self.timeline = timeline
        self.derive = derive
        # Gives a scope its target records when it has none yet (lazy seeding, set by the
        # handlers), so a reference is made to a record rather than left dangling.
        self.provide: Callable[[str, Scope], None] | None = None
        self._depth = 0
        self._pending: list[tuple[Record, Mapping[str, Any], str]] = []

    def keys_of(self, target: str, hint: str | None = None) -> list[str]:
        """The fields a reference to `target` may carry, the hinted one first."""
        own = f"{singular(snake(target))}_id"  # `course_id` of a Course
        ordered = [*([hint] if hint else []), *self.lookups(target), own, *KEY_FIELDS]
        return list(dict.fromkeys(ordered))

    def candidates(self, target: str, scope: Scope) -> list[Record]:
        """The target's records closest to `scope`, in the scope's tenant."""
        tenant = scope.get("tenant")
        for wider in (scope, {"tenant": tenant} if tenant else None):
            if wider is not None:
                found = self.store.find(target, wider)
                if found:
                    return found
        platform_wide = [r for r in self.store.find(target, {}) if not r.scope]
        if tenant is None:
            return platform_wide
        return [r for r in platform_wide if _tenant_of(r.data) in (tenant, None)]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Records made together (a scope's seed, the world): references that found nothing
        while the batch was being made, because what they name was still to come (a mentor's
        call configuration names the mentor), are linked again once the whole batch exists."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                pending, self._pending = self._pending, []
                for record, schema, key in pending:
                    data = dict(record.data)
                    self._link(record.resource, schema, record.scope, data, key, provide=False)
                    changed = {k: v for k, v in data.items() if record.data.get(k) != v}
                    self.answer_back(self.store.update(record, changed))

    def link(
        self, resource: str, schema: Mapping[str, Any], scope: Scope, data: dict[str, Any], key: str
    ) -> bool:
        """Link a new record's references, before it is stored; False when some found nothing
        yet (then `defer` the stored record, to be linked again when its batch is done)."""
        with self.batch():
            return self._link(resource, schema, scope, data, key, provide=True)

    def defer(self, record: Record, schema: Mapping[str, Any], key: str) -> None:
        if self._depth > 0:
            self._pending.append((record, schema, key))

    def _link(
        self,
        resource: str,
        schema: Mapping[str, Any],
        scope: Scope,
        data: dict[str, Any],
        key: str,
        *,
        provide: bool,
    ) -> bool:
        """Link what can be linked; False when some reference had nothing to name yet."""
        properties = object_properties(self.document, schema)
        targets: list[Record] = []
        complete = True
        for reference in self.graph.get(resource, ()):
            if reference.field not in data or reference.field not in properties:
                continue
            candidates = self.candidates(reference.target, scope)
            if not candidates and provide and self.provide is not None:
                self.provide(reference.target, scope)
                candidates = self.candidates(reference.target, scope)
            back = self.relations.one_to_one(resource, reference)
            if back is not None:
                # Shared only where the field cannot say "none" (a nested object, not nullable).
                free = self.relations.free(resource, back, candidates, data)
                if free or self.fits(properties[reference.field], None):
                    candidates = free
            listed_by = self.relations.listed_by(resource, reference)
            if listed_by is not None:
                # A task's files are the files that name the task: the single end decides.
                own = {data.get(f) for f in self.keys_of(resource, listed_by.key_hint)} - {None}
                candidates = [c for c in candidates if key_of(c.data.get(listed_by.field)) in own]
            complete = complete and bool(candidates)
            chosen = _spread(candidates, f"{key}|{reference.group}")
            value = self._value(
                reference,
                properties[reference.field],
                data[reference.field],
                chosen,
                every=listed_by is not None,
            )
            if value is not KEEP:
                data[reference.field] = value
                # Time follows what a record names on its own (a file's task), not the lists of
                # what names it (a task's files): those two would each have to come later.
                if not isinstance(value, list) and value is not None and chosen:
                    targets.append(chosen[0])
        if self.derive is not None:
            self.derive(data, schema)  # counts follow the lists linking changed
        self._after(data, properties, targets)
        return complete

    def answer_back(self, record: Record) -> None:
        self.relations.answer_back(record)

    def _value(
        self,
        reference: Reference,
        schema: Mapping[str, Any],
        current: Any,
        chosen: list[Record],
        *,
        every: bool = False,
    ) -> Any:
        """The reference's value naming `chosen`: a list as long as the synthesized one (at
        least one), or naming `every` record chosen."""
        detail = resolve_ref(self.document, schema)
        if reference.many:
            items = detail.get("items", {})
            existing = current if isinstance(current, list) else []
            shown = []
            taken = chosen if every else chosen[: max(len(existing), 1)]
            for index, record in enumerate(taken):
                item = existing[index] if index < len(existing) else None
                value = self.one(reference, items, item, record)
                if value is not KEEP:
                    shown.append(value)
            bounded = any(k in detail for k in ("minItems", "maxItems", "uniqueItems"))
            return shown if not bounded or self.fits(schema, shown) else KEEP
        value = self.one(reference, schema, current, chosen[0]) if chosen else KEEP
        if value is KEEP and self.fits(schema, None):
            return None  # nothing to point at: DRF shows an unset relation as null
        return value

    def one(
        self, reference: Reference, schema: Mapping[str, Any], current: Any, record: Record
    ) -> Any:
        """The value a reference shows for `record`: nested or by key; `KEEP` if none fits."""
        if reference.nested:
            shown = dict(current) if isinstance(current, dict) else {}
            for name, sub in object_properties(self.document, schema).items():
                if name in record.data and self.fits(sub, record.data[name]):
                    shown[name] = record.data[name]
            # A valid object with valid fields put in stays valid; a new one is checked whole.
            if isinstance(current, dict) or self.fits(schema, shown):
                return shown
            return KEEP
        for field in self.keys_of(record.resource, reference.key_hint):
            value = record.data.get(field)
            if value is not None and self.fits(schema, value):
                return value
        return KEEP

    def _after(
        self, data: dict[str, Any], properties: Mapping[str, Any], targets: list[Record]
    ) -> None:
        """A record made before what it references moves, all its moments together, to just
        after the latest of them."""
        latest = max(
            (moment for record in targets for moment in _created(record.data)), default=None
        )
        if latest is None:
            return
        times = [
            name
            for name, sub in properties.items()
            if resolve_ref(self.document, sub).get("format") in ("date-time", "date")
        ]
        # Its creation, or else its earliest moment (an agreement's `agreed_at`).
        own = _created(data) or [m for n in times if (m := parse_moment(data.get(n))) is not None]
        if not own or min(own) > latest:
            return
        self.timeline.shift(
            data, times, latest - min(own) + _AFTER, lambda n, v: self.fits(properties[n], v)
        )


def _spread(candidates: list[Record], key: str) -> list[Record]:
    """The candidates in an order that starts at a place chosen by `key`."""
    if not candidates:
        return []
    start = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
    start %= len(candidates)
    return candidates[start:] + candidates[:start]


def _tenant_of(data: Mapping[str, Any]) -> str | None:
    return next((data[f] for f in _TENANT_FIELDS if isinstance(data.get(f), str)), None)


def _created(data: Mapping[str, Any]) -> list[datetime]:
    return [
        moment
        for name, value in data.items()
        if fields.time_role(name) == "created" and (moment := parse_moment(value)) is not None
    ]
