"""Relations seen from both ends: a record named by another names it back.

A reference whose target has a reference back is one relation, not two (`CallConfiguration.mentor`
and `Mentor.call_configuration`; `CourseCreationTaskFile.course_creation_task` and the task's
`files`). The single end decides: a 1:1 relation takes a target no other record holds, a list
of what names the record is exactly those records, and a record made or changed is shown by
what it names (`Relations.answer_back`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mock_server.model.references import Reference
from mock_server.spec.index import object_properties, resolve_ref
from mock_server.store import Record, Scope

if TYPE_CHECKING:
    from mock_server.handlers.linking import Linker

# Record fields a reference may carry, after the target's own lookup fields.
KEY_FIELDS = ("id", "unique_id", "uuid", "slug", "name")


class _Keep:
    """The synthesized value stays: no candidate fits."""


KEEP: Any = _Keep()


class Relations:
    def __init__(self, linker: Linker) -> None:
        self.linker = linker
        # resource -> its single references whose target names it back
        self.inverses = inverses_of(linker.graph)

    def answer_back(self, record: Record) -> None:
        """Each record `record` names by a reference whose target names it back shows it: the
        mentor a call configuration names shows that configuration, the task a file names
        lists that file."""
        for reference, inverse in self.inverses.get(record.resource, ()):
            named = record.data.get(reference.field)
            target = self.named(reference, named, record.scope)
            if target is None or inverse.field not in target.data:
                continue
            component = {
                "$ref": f"#/components/schemas/{self.linker.record_types.get(target.resource)}"
            }
            schema = object_properties(self.linker.document, component)
            if inverse.field not in schema:
                continue
            current = target.data[inverse.field]
            if inverse.many:
                items = resolve_ref(self.linker.document, schema[inverse.field]).get("items", {})
                one = self.linker.one(inverse, items, None, record)
                listed = current if isinstance(current, list) else []
                # The record replaces its old entry (a file renamed), or joins the list.
                others = [item for item in listed if key_of(item) != key_of(one)]
                value = KEEP if one is KEEP else [*others, one]
            else:
                value = self.linker.one(inverse, schema[inverse.field], current, record)
            if (
                value is KEEP
                or value == current
                or not self.linker.fits(schema[inverse.field], value)
            ):
                continue
            changes = {inverse.field: value}
            if self.linker.derive is not None:
                derived = {**target.data, **changes}
                self.linker.derive(derived, component)
                changes.update({k: v for k, v in derived.items() if target.data.get(k) != v})
            self.linker.store.update(target, changes)

    def one_to_one(self, resource: str, reference: Reference) -> Reference | None:
        """The target's single reference back, when `reference` is one end of a 1:1 relation."""
        return next(
            (b for r, b in self.inverses.get(resource, ()) if r == reference and not b.many), None
        )

    def listed_by(self, resource: str, reference: Reference) -> Reference | None:
        """The target's single reference back, when `reference` lists what names the record."""
        if not reference.many:
            return None
        return next(
            (
                back
                for back in self.linker.graph.get(reference.target, ())
                if back.target == resource and not back.many
            ),
            None,
        )

    def free(
        self, resource: str, back: Reference, candidates: list[Record], data: Mapping[str, Any]
    ) -> list[Record]:
        """A 1:1 relation's candidates: the one that names this record already, else those
        naming no record of ours (a mentor's configuration is no other mentor's)."""
        own = {data.get(f) for f in self.linker.keys_of(resource, back.key_hint)} - {None}
        mine, free = [], []
        for candidate in candidates:
            named = candidate.data.get(back.field)
            key = key_of(named)
            if key is not None and key in own:
                mine.append(candidate)
            elif self.named(back, named, candidate.scope) is None:
                free.append(candidate)
        return mine or free

    def named(self, reference: Reference, value: Any, scope: Scope) -> Record | None:
        """The record a reference's value names, among the candidates it was chosen from."""
        if value is None or isinstance(value, list):
            return None
        value = key_of(value)
        if value is None:
            return None
        for candidate in self.linker.candidates(reference.target, scope):
            for field in self.linker.keys_of(candidate.resource, reference.key_hint):
                if candidate.data.get(field) == value:
                    return candidate
        return None


def key_of(value: Any) -> Any:
    """The key a reference's value carries: itself, or a nested object's id."""
    if isinstance(value, dict):
        return next((value[k] for k in KEY_FIELDS if value.get(k) is not None), None)
    return None if isinstance(value, list) else value


def inverses_of(
    graph: Mapping[str, tuple[Reference, ...]],
) -> dict[str, list[tuple[Reference, Reference]]]:
    """resource -> (its single reference, the target's reference back to it) pairs."""
    found: dict[str, list[tuple[Reference, Reference]]] = {}
    for resource, references in graph.items():
        for reference in references:
            if reference.many or reference.target == resource:
                continue
            for back in graph.get(reference.target, ()):
                if back.target == resource:
                    found.setdefault(resource, []).append((reference, back))
    return found
