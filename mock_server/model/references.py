"""Which fields of a record refer to records of another resource type, from the document alone.

A property of a record schema refers to resource type R when
- its name, in snake case and singular, is R's name or R's name with a key suffix: `mentor`,
  `mentor_id`, `mentor_unique_id`, `mentor_slug`, `mentors`, `mentor_ids` (R = `Mentor`); a
  plural R names itself in the singular (`conversation_id` for `Conversations`); or
- it is (an array of) a `$ref` to a schema one of whose serializer stems is R
  (`PatchedMentorCreate` -> `Mentor`).
A reference whose value is an object (or objects) is `nested`: the answer shows the record, and
its key sits in the object's id-like field. Self references (`parent`) are left alone: which
record is whose parent is not in the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as attribute
from typing import Any

from mock_server.coherence import fields
from mock_server.model.roles import ResourceModel, Verb
from mock_server.model.schemas import snake, stems
from mock_server.spec.index import object_properties, resolve_ref
from mock_server.synthesis.heuristics import singular

# Suffixes by which a field names another record by one of its keys.
_KEY_SUFFIXES = ("_unique_id", "_uuid", "_slug", "_ids", "_id", "_pk", "_key")


@dataclass(frozen=True)
class Reference:
    field: str  # the referring record's property
    target: str  # the resource type it names
    many: bool  # an array of references
    nested: bool  # the value shows the record (an object), not just its key
    key_hint: str | None  # the key the name asks for: `unique_id` for `mentor_unique_id`
    # The name without its key suffix (`mentor_id`, `mentor_slug` -> `mentor`), derived from
    # `field`, so not part of what makes two references equal.
    relation: str = attribute(default="", compare=False)

    @property
    def group(self) -> str:
        """Fields of one record with the same group name the same target record."""
        return self.relation or self.field


def resource_names(resources: Iterable[str]) -> dict[str, str]:
    """snake-case singular name -> resource type; a name two types share names neither."""
    found: dict[str, str | None] = {}
    for resource in sorted(set(resources)):
        name = singular(snake(resource))
        found[name] = None if name in found and found[name] != resource else resource
    return {name: resource for name, resource in found.items() if resource is not None}


def _relation(field: str) -> tuple[str, str | None]:
    """`mentor_unique_id` -> (`mentor`, `unique_id`): the relation a field names, and the key."""
    base = snake(field)
    for suffix in _KEY_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)], suffix.lstrip("_").removesuffix("s")
    return base, None


def _by_name(field: str, names: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The resource a field's name refers to, and the key its suffix asks for."""
    base, hint = _relation(field)
    return names.get(singular(base)), hint


def _by_ref(schema: Mapping[str, Any], resources: frozenset[str]) -> str | None:
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        parts = schema.get("allOf") or ()
        ref = next((p.get("$ref") for p in parts if isinstance(p, Mapping) and "$ref" in p), None)
    if not isinstance(ref, str):
        return None
    return next((stem for stem in stems(ref.rsplit("/", 1)[-1]) if stem in resources), None)


def reference_graph(
    model: ResourceModel, document: Mapping[str, Any]
) -> dict[str, tuple[Reference, ...]]:
    """The references of every stored resource type, to the types a stored list shows."""
    schemas = {
        r.resource: r.record_type for r in model.roles.values() if r.resource and r.record_type
    }
    listed = {
        r.resource for r in model.roles.values() if r.verb is Verb.LIST and r.stored and r.resource
    }
    return infer_references(document, schemas, listed)


def infer_references(
    document: Mapping[str, Any], record_schemas: Mapping[str, str], listed: Iterable[str]
) -> dict[str, tuple[Reference, ...]]:
    """Resource type -> the references its record schema holds.

    `record_schemas` maps each stored resource type to its schema's name; only `listed` types
    (those a list operation shows, so a client can find what a reference names) are targets.
    A type kept one per scope (a bot's `config/discord/`) is reached through its parent's path,
    not named by a key.
    """
    resources = frozenset(record_schemas) & frozenset(listed)
    names = resource_names(resources)
    graph: dict[str, tuple[Reference, ...]] = {}
    for resource, schema_name in sorted(record_schemas.items()):  # every stored type refers
        schema = {"$ref": f"#/components/schemas/{schema_name}"}
        found = []
        for field, sub in object_properties(document, schema).items():
            reference = _reference(document, resource, field, sub, names, record_schemas)
            if reference is not None:
                found.append(reference)
        if found:
            graph[resource] = tuple(found)
    return graph


def _reference(
    document: Mapping[str, Any],
    resource: str,
    field: str,
    sub: Mapping[str, Any],
    names: Mapping[str, str],
    target_schemas: Mapping[str, str],
) -> Reference | None:
    detail = resolve_ref(document, sub)
    many = detail.get("type") == "array"
    item = detail.get("items", {}) if many else sub
    item_detail = resolve_ref(document, item) if isinstance(item, Mapping) else {}
    nested = bool(object_properties(document, item_detail)) if isinstance(item, Mapping) else False
    if fields.tenant_attribute(field) or fields.person_attribute(field, False):
        return None  # the tenant and the person are identity (`coherence`), not records
    target, hint = _by_name(field, names)
    if target is None and nested and isinstance(item, Mapping):
        target = _by_ref(item, frozenset(names.values()))
    if target is None or target == resource:
        return None
    if not nested:
        kind = item_detail.get("type")
        if kind not in ("integer", "string"):
            return None
        # `subject`, `prompt`, `role` as free text: a bare name names a record only by a key
        # that looks like one (a number, a uuid, a pattern).
        plain_text = kind == "string" and not (
            item_detail.get("format") or item_detail.get("pattern")
        )
        if hint is None and plain_text:
            return None
        if not _has_key_like(document, target_schemas[target], target, item_detail):
            return None  # `course: 13` where courses have no integer key: another kind of record
    return Reference(field, target, many, nested, hint, _relation(field)[0])


def _has_key_like(
    document: Mapping[str, Any], schema_name: str, target: str, value: Mapping[str, Any]
) -> bool:
    """Whether the target's records have a key field of the referring value's kind."""
    own = singular(snake(target))
    keys = ("id", "pk", "unique_id", "uuid", "slug", "name", "key", f"{own}_id", f"{own}_key")
    properties = object_properties(document, {"$ref": f"#/components/schemas/{schema_name}"})
    for key in keys:
        detail = resolve_ref(document, properties.get(key, {}))
        if not detail or detail.get("type") != value.get("type"):
            continue
        if value.get("format") == "uuid" and detail.get("format") != "uuid":
            continue
        return True
    return False


def describe_references(graph: Mapping[str, tuple[Reference, ...]]) -> str:
    """One line per reference: `Project.mentors -> Mentor (many, nested)`."""
    lines = [f"references: {sum(len(refs) for refs in graph.values())}"]
    for resource, references in sorted(graph.items()):
        for reference in references:
            flags = [
                flag for flag, on in (("many", reference.many), ("nested", reference.nested)) if on
            ]
            shown = f" ({', '.join(flags)})" if flags else ""
            lines.append(f"  {resource}.{reference.field} -> {reference.target}{shown}")
    return "\n".join(lines)
