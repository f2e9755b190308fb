"""What an operation answers and takes, read from its schemas; and how records are named.

Answer shapes (from the lowest declared 2xx, JSON media type first):

- `page`: a `$ref` to a DRF page wrapper: `count` and a `results` array, and otherwise only the
  page links (`next`/`previous`, or this document's `next_page`/`previous_page`, `current_page`,
  `total_pages`, `num_pages`). A wrapper with anything else (search `facets`, a `summary`) is an
  aggregate, not a page of records. The record schema is the `results` items' `$ref`.
- `array`: a bare `type: array` (inline or behind a `$ref`); the record schema is its items' `$ref`.
- `object`: a `$ref` to an object schema: one record.
- `none` (no body) and `other` (inline objects, scalars, unnamed items).

Naming: drf-spectacular names schemas after serializers, so one kind of record is reached as
`Mentor`, `MentorCreate`, `PatchedMentorCreate`, `PaginatedMentorList`. A name is normalised by
dropping the `Patched` prefix and then, repeatedly, a serializer-ish suffix (`Request`,
`Response`, `Create`, `Update`, `Detail`, `Serializer`, `Write`, `Read`, `List`, `Public`, `View`,
`Get`, ...); the shortest form that is itself a component schema, or that two schemas of one path
family (`X/` and `X/{id}/`) both reduce to, wins, and the same name normalises the same way on
every path. `CourseCreateUpdate` -> `Course`; `SCIMUserCreateRequest` + `SCIMUserResponse` ->
`SCIMUser`; `PinnedMessageGet` + `PinnedMessageCreate` -> `PinnedMessage`. A name that reduces to
nothing known stays as it is (`CustomInstructionResponse`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.spec.index import Operation, resolve_ref

_PAGE_LINKS = frozenset(
    {"next", "previous", "next_page", "previous_page", "current_page", "total_pages", "num_pages"}
)
_PREFIXES = ("Patched",)
_SUFFIXES = (
    "Serializer",
    "Request",
    "Response",
    "Create",
    "Update",
    "Detail",
    "Retrieve",
    "Get",
    "Write",
    "Read",
    "List",
    "Single",
    "Public",
    "View",
    "Input",
    "Output",
)
# Property names that identify a record rather than describe a measurement.
IDENTIFIERS = ("id", "pk", "uuid", "unique_id")


@dataclass(frozen=True)
class Answer:
    shape: str  # "page", "array", "object", "none" or "other"
    schema: str | None = None  # the component schema of one record

    @property
    def is_list(self) -> bool:
        return self.shape in ("page", "array")


def _ref_name(node: Any) -> str | None:
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if ref.startswith("#/components/schemas/"):
            return ref.rsplit("/", 1)[-1]
    return None


def _json_schema(content: Mapping[str, Any]) -> Any:
    """The schema of the JSON media type; other JSON flavours (`scim+json`) when it is missing."""
    if "application/json" in content:
        return content["application/json"].get("schema")
    for media_type, media in content.items():
        if "json" in media_type:
            return media.get("schema")
    return None


def answer_of(document: Mapping[str, Any], operation: Operation) -> Answer:
    response = resolve_ref(document, operation.responses.get(str(operation.answer_status), {}))
    content = response.get("content") if isinstance(response, Mapping) else None
    schema = _json_schema(content) if isinstance(content, Mapping) else None
    if not isinstance(schema, Mapping):
        return Answer("none")
    name = _ref_name(schema)
    target = resolve_ref(document, schema)
    if not isinstance(target, Mapping):
        return Answer("other")
    if target.get("type") == "array":
        return Answer("array", _ref_name(target.get("items")))
    if name is None:
        return Answer("other")
    properties = target.get("properties")
    if isinstance(properties, Mapping) and _is_page(properties):
        return Answer("page", _ref_name(properties["results"].get("items")))
    if target.get("type") == "object" or isinstance(properties, Mapping):
        return Answer("object", name)
    return Answer("other")


def _is_page(properties: Mapping[str, Any]) -> bool:
    results = properties.get("results")
    if not (isinstance(results, Mapping) and results.get("type") == "array"):
        return False
    return "count" in properties and set(properties) - {"count", "results"} <= _PAGE_LINKS


def request_of(operation: Operation) -> str | None:
    """The component schema of a JSON request body, if the body is declared as one."""
    body = operation.request_body
    content = body.get("content") if body else None
    return _ref_name(_json_schema(content)) if isinstance(content, Mapping) else None


def stems(name: str) -> list[str]:
    """`PatchedMentorCreate` -> [`PatchedMentorCreate`, `MentorCreate`, `Mentor`]."""
    chain = [name]
    for prefix in _PREFIXES:
        if name.startswith(prefix) and name[len(prefix) :][:1].isupper():
            name = name[len(prefix) :]
            chain.append(name)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                chain.append(name)
                stripped = True
                break
    return chain


def shared_stems(names: Iterable[str]) -> frozenset[str]:
    """Stems that two different schema names of one path family both reduce to."""
    seen: dict[str, str] = {}
    shared: set[str] = set()
    for name in set(names):
        for stem in stems(name)[1:]:
            if stem in seen and seen[stem] != name:
                shared.add(stem)
            seen.setdefault(stem, name)
    return frozenset(shared)


def normalise(name: str, schemas: Mapping[str, Any], shared: frozenset[str] = frozenset()) -> str:
    best = name
    for stem in stems(name)[1:]:
        if stem in schemas or stem in shared:
            best = stem
    return best


def properties_of(document: Mapping[str, Any], schema: str | None) -> Mapping[str, Any]:
    if schema is None:
        return {}
    target = resolve_ref(document, {"$ref": f"#/components/schemas/{schema}"})
    properties = target.get("properties") if isinstance(target, Mapping) else None
    return properties if isinstance(properties, Mapping) else {}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def is_record(properties: Mapping[str, Any], resource: str) -> bool:
    """Whether a list's items identify themselves (an id, or `<resource>_id` like `skill_id`)."""
    words = snake(resource).split("_")
    own = {f"{words[-1]}_id", f"{'_'.join(words)}_id"}
    return any(key in properties for key in (*IDENTIFIERS, *own))


def choose_id_field(
    param: str, param_schema: Mapping[str, Any], properties: Mapping[str, Any], resource: str
) -> str:
    """The record field a path parameter names; `id` when the record offers nothing better.

    In order: the parameter's own name (or the first of `{a_or_b}`), compared in snake case so
    `{entity_id}` finds `entityId`; then by the name's last word: `id`/`pk` -> `id`, `pk`, or
    `<resource>_id` (a uuid `{id}` prefers `unique_id`/`uuid`); `{template_name}` ->
    `name`, `{notification_type}` -> `type`; a parameter named after the record itself
    (`{mentor}` for Mentor) -> its public key: `unique_id`, `uuid`, `slug`, `name`, `id`.
    """
    fields = {snake(key): str(key) for key in properties}
    first = param.split("_or_")[0]
    words = first.split("_")
    tail = "unique_id" if words[-2:] == ["unique", "id"] else words[-1]
    own = snake(resource)
    # A bare uuid `{id}` names the record's uuid field, not its integer primary key.
    uuid_first = first in ("id", "pk") and param_schema.get("format") == "uuid"
    preferred: list[str] = ["unique_id", "uuid"] if uuid_first else []
    preferred += [param, first]
    if tail in ("id", "pk"):
        preferred += ["id", "pk", f"{own}_id", f"{own.split('_')[-1]}_id"]
    else:
        preferred.append(tail)
    if first in (own, own.split("_")[-1]):
        preferred += ["unique_id", "uuid", "slug", "name"]
    return next((fields[key] for key in preferred if key in fields), "id")
