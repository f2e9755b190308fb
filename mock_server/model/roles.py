"""The values the inference produces: what each operation does to which kind of record.

An `OperationRole` is a plain, frozen description; the stateful handlers key their stores by
`(resource, scope values)`, so two operations with the same `resource` and the same canonical
`scope` read and write the same records, whatever their paths look like.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class ResourceKind(StrEnum):
    COLLECTION = "collection"
    ITEM = "item"
    SINGLETON = "singleton"
    ACTION = "action"
    VIEW = "view"


class Verb(StrEnum):
    LIST = "list"
    CREATE = "create"
    RETRIEVE = "retrieve"
    REPLACE = "replace"
    UPDATE = "update"
    DESTROY = "destroy"
    ACTION = "action"
    VIEW = "view"


@dataclass(frozen=True)
class OperationRole:
    operation_id: str
    method: str
    path: str
    kind: ResourceKind
    verb: Verb
    resource: str | None
    scope: tuple[str, ...] = ()
    scope_params: tuple[tuple[str, str], ...] = ()
    id_param: str | None = None
    id_field: str | None = None
    collection_path: str | None = None
    paginated: bool = False
    record_schema: str | None = None
    request_schema: str | None = None
    list_params: tuple[str, ...] = ()
    # Decided last (`storage.settle`): the schema of the resource's records, the field an item
    # finds its record by, and whether the store answers the operation (else synthesis does).
    record_type: str | None = None
    lookup_field: str | None = None
    stored: bool = False


@dataclass
class ResourceModel:
    roles: dict[str, OperationRole] = field(default_factory=dict)

    def kinds(self) -> Counter[ResourceKind]:
        return Counter(role.kind for role in self.roles.values())

    def verbs(self) -> Counter[Verb]:
        return Counter(role.verb for role in self.roles.values())

    def resources(self) -> dict[str, list[OperationRole]]:
        """Resource type -> its roles; operations that touch no stored record are left out."""
        grouped: dict[str, list[OperationRole]] = {}
        for role in self.roles.values():
            if role.resource is not None:
                grouped.setdefault(role.resource, []).append(role)
        return dict(sorted(grouped.items()))

    def pairs(self) -> set[tuple[str, str]]:
        """(collection template, item template) pairs the document declares."""
        return {
            (role.collection_path, role.path)
            for role in self.roles.values()
            if role.kind is ResourceKind.ITEM and role.collection_path is not None
        }


def describe(model: ResourceModel, *, verbose: bool = False) -> str:
    """The summary `ibl-mock resources` prints; `verbose` adds one line per operation."""
    total = len(model.roles)
    kinds = model.kinds()
    verbs = model.verbs()
    lines = [
        f"{total} operations: "
        + ", ".join(f"{kind.value} {kinds.get(kind, 0)}/{total}" for kind in ResourceKind),
        "verbs: " + ", ".join(f"{verb.value} {verbs.get(verb, 0)}" for verb in Verb),
        f"{len(model.resources())} resource types, "
        f"{len(model.pairs())} collection/item path pairs, "
        f"{sum(role.paginated for role in model.roles.values())} paginated answers",
        f"answered from the store: {sum(role.stored for role in model.roles.values())}, "
        f"by synthesis: {sum(not role.stored for role in model.roles.values())}",
    ]
    if verbose:
        for role in sorted(model.roles.values(), key=lambda r: (r.path, r.method)):
            lines.append(_role_line(role))
    return "\n".join(lines)


def _role_line(role: OperationRole) -> str:
    parts = [f"{role.method.upper():6} {role.path}", f"-> {role.kind.value}/{role.verb.value}"]
    if role.resource:
        parts.append(role.resource)
    if role.scope:
        parts.append("[" + ", ".join(role.scope) + "]")
    if role.id_param:
        parts.append(f"{{{role.id_param}}}={role.lookup_field or role.id_field}")
    if role.paginated:
        parts.append("paginated")
    parts.append("stored" if role.stored else "synthesized")
    return " ".join(parts)
