"""What the store keeps for each role: the record schema of its type, its lookup key, whether
the store answers it at all. The last pass of `infer_resources`; the handlers only read it.

- A resource type's records are described by the schema of the role that shows them most
  fully: a retrieve, then a list, a replace, an update, a create. A type without an object
  schema is not stored, and its operations are answered by synthesis.
- An item finds its record by the field the model's id rule names (`choose_id_field`); where
  that field cannot hold the parameter's values (an integer `id` under a uuid `{session_id}`),
  or the record type does not show it while the create answers the parameter's name (a
  `session_id`), records carry a field named after the parameter instead. The retrieve
  decides for every verb on the same item path.
- Stored: collection lists and creates, items, singletons under a scope, and actions on an item
  whose name describes a membership change the record can hold (`add-mentor` on a record with
  `mentors`; `membership`). Not stored: views; a write
  on a collection picked by query or body; a singleton of the whole server (a record picked by
  query); an item whose parameter is not a record's key (`/metadata/program/{field}/`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mock_server.model.membership import Membership
from mock_server.model.roles import OperationRole, ResourceKind, ResourceModel, Verb
from mock_server.spec.index import OperationIndex, object_properties, resolve_ref

_SCHEMA_PREFERENCE = (Verb.RETRIEVE, Verb.LIST, Verb.REPLACE, Verb.UPDATE, Verb.CREATE)
_ID_LIKE = re.compile(
    r"^(id|pk|uuid|slug|name|username|key|email|code|token|hash)$"
    r"|_(id|pk|uuid|slug|name|key|code|token|hash)$"
)


def settle(
    model: ResourceModel, index: OperationIndex, document: Mapping[str, Any]
) -> ResourceModel:
    """The model with each role's record type, lookup field and whether it is stored."""
    schemas = document.get("components", {}).get("schemas", {})
    chosen = record_schemas(model, schemas)
    described = {
        resource: object_properties(document, {"$ref": f"#/components/schemas/{name}"})
        for resource, name in chosen.items()
    }
    lookups = lookup_fields(model, index, document, chosen)
    roles = {}
    for operation_id, role in model.roles.items():
        settled = replace(
            role,
            record_type=chosen.get(role.resource or ""),
            lookup_field=lookups.get(operation_id),
        )
        roles[operation_id] = replace(settled, stored=_stored(settled, described))
    return ResourceModel(roles)


def _stored(role: OperationRole, described: Mapping[str, Mapping[str, Any]]) -> bool:
    properties = described.get(role.resource or "")
    if role.verb is Verb.VIEW or not properties:
        return False
    if role.verb is Verb.ACTION:
        membership = Membership.of(role.path)
        return (
            role.id_param is not None
            and membership is not None
            and (membership.field(properties) is not None)
        )
    if role.kind is ResourceKind.COLLECTION and role.verb not in (Verb.LIST, Verb.CREATE):
        return False  # a write picked by query or body: no record named, nothing to change
    if role.kind is ResourceKind.SINGLETON and not role.scope_params:
        return False  # one record for the whole server is a record picked by query: a view
    if role.id_param is not None:
        # `/metadata/program/{field}/`: a parameter, not a record's key.
        return bool(_ID_LIKE.search(role.id_param)) or role.lookup_field not in (None, "id")
    return True


def record_schemas(model: ResourceModel, schemas: Mapping[str, Any]) -> dict[str, str]:
    """Resource type -> the schema of its records, from the role that shows them most fully.

    A delete or an action declares no body; it shares the record schema of its resource.
    """
    chosen: dict[str, tuple[int, str]] = {}
    for role in sorted(model.roles.values(), key=lambda r: r.operation_id):
        if role.resource is None or role.record_schema is None or role.record_schema not in schemas:
            continue
        rank = (
            _SCHEMA_PREFERENCE.index(role.verb)
            if role.verb in _SCHEMA_PREFERENCE
            else len(_SCHEMA_PREFERENCE)
        )
        if role.resource not in chosen or rank < chosen[role.resource][0]:
            chosen[role.resource] = (rank, role.record_schema)
    return {resource: name for resource, (_, name) in chosen.items()}


def lookup_fields(
    model: ResourceModel,
    index: OperationIndex,
    document: Mapping[str, Any],
    chosen: Mapping[str, str],
) -> dict[str, str]:
    """Item role -> the record field it finds its record by."""
    found: dict[str, str] = {}
    shared: dict[tuple[str, str], str] = {}
    # The fields a create answers: a key its record type does not show is still the record's.
    created = {
        role.resource: object_properties(document, {"$ref": f"#/components/schemas/{name}"})
        for role in model.roles.values()
        if role.verb is Verb.CREATE and role.resource and (name := role.record_schema)
    }
    ordered = sorted(
        model.roles.values(), key=lambda r: (r.verb is not Verb.RETRIEVE, r.operation_id)
    )
    for role in ordered:
        resource, param = role.resource, role.id_param
        if resource is None or resource not in chosen or param is None:
            continue
        param_schema = parameter_schema(index, document, role)
        properties = object_properties(
            document, {"$ref": f"#/components/schemas/{chosen[resource]}"}
        )
        field = shared.get((resource, param)) or role.id_field or "id"
        field_schema = resolve_ref(document, properties.get(field, {}))
        if (field_schema and not _can_name(field_schema, param_schema)) or (
            field not in properties and param in created.get(resource, ())
        ):
            field = param
        shared.setdefault((resource, param), field)
        found[role.operation_id] = field
    return found


def parameter_schema(
    index: OperationIndex, document: Mapping[str, Any], role: OperationRole
) -> Mapping[str, Any]:
    """The resolved schema of the role's item parameter ({} when it declares none)."""
    operation = index.by_id[role.operation_id]
    parameter: Mapping[str, Any] = next(
        (p for p in operation.parameters if p["name"] == role.id_param), {"schema": {}}
    )
    return resolve_ref(document, parameter.get("schema", {}))


def _can_name(field_schema: Mapping[str, Any], param_schema: Mapping[str, Any]) -> bool:
    """Whether every value the field holds is one the path parameter accepts."""
    if param_schema.get("format") == "uuid":
        return field_schema.get("format") == "uuid"
    if param_schema.get("type") == "integer":
        return field_schema.get("type") == "integer"
    return field_schema.get("type") in ("string", "integer", None)
