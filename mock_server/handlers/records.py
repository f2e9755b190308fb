"""New records of a resource: synthesized from its schema, then what the client sent."""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from mock_server.coherence import Timeline
from mock_server.handlers.linking import Derive, Linker
from mock_server.memo import BoundedCache
from mock_server.model import OperationRole, ResourceModel
from mock_server.model.references import Reference, reference_graph
from mock_server.model.storage import parameter_schema
from mock_server.spec.index import OperationIndex, object_properties, resolve_ref
from mock_server.store import Record, Scope, Store
from mock_server.synthesis import Synthesizer

_CREATED = ("created_at", "created", "date_created", "updated_at", "modified", "modified_at")
_UPDATED = ("updated_at", "modified", "modified_at", "last_modified", "date_modified")


# Which role's answer best describes a whole record: a retrieve shows every field.


class RecordFactory:
    def __init__(
        self,
        document: Mapping[str, Any],
        synthesizer: Synthesizer,
        store: Store,
        model: ResourceModel,
        index: OperationIndex,
        timeline: Timeline | None = None,
        derive: Derive | None = None,
    ) -> None:
        self.document = document
        self.synthesizer = synthesizer
        self.store = store
        self.timeline = timeline or Timeline()
        self._record_schemas = {
            r.resource: r.record_type for r in model.roles.values() if r.resource and r.record_type
        }
        self._resource_of = {op_id: r.resource for op_id, r in model.roles.items()}
        # Item role -> (its lookup field, its parameter's schema): new records need both.
        self._lookups = {
            role.operation_id: (role.lookup_field, parameter_schema(index, document, role))
            for role in model.roles.values()
            if role.lookup_field is not None
        }
        self._keys = self._keys_by_resource()
        self._templates: BoundedCache[tuple[str, str, tuple[tuple[str, str], ...]], Any] = (
            BoundedCache(1024)
        )
        self._uuids: dict[str, list[str]] = {}
        self.references: dict[str, tuple[Reference, ...]] = reference_graph(model, document)
        self.linker = Linker(
            document,
            self.references,
            store,
            synthesizer.fits,
            lambda target: [field for field, _ in self._lookups_of(target)],
            self.timeline,
            derive,
            self._record_schemas,
        )
        self._derive = derive

    def lookup_field(self, role: OperationRole) -> str:
        """The record field an item role finds its record by (the model decides it)."""
        return role.lookup_field or role.id_field or "id"

    def schema(self, role: OperationRole) -> dict[str, Any]:
        """A reference to the component schema of the role's records."""
        return {"$ref": f"#/components/schemas/{self._record_schemas[role.resource or '']}"}

    def knows(self, role: OperationRole) -> bool:
        """Whether records of this role can be kept: a named object schema describes them."""
        if role.resource not in self._record_schemas:
            return False
        return bool(self.properties(role))

    def properties(self, role: OperationRole) -> dict[str, Any]:
        return object_properties(self.document, self.schema(role))

    def _lookups_of(self, resource: str) -> list[tuple[str, Mapping[str, Any]]]:
        return self._keys.get(resource, [])

    def _keys_by_resource(self) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
        """Resource -> the fields its item paths look records up by, with their parameter's
        schema; worked out once, since every new record needs them."""
        grouped: dict[str, dict[str, Mapping[str, Any]]] = {}
        for operation_id, (field, schema) in sorted(self._lookups.items()):
            resource = self._resource_of.get(operation_id)
            if resource is not None:
                grouped.setdefault(resource, {})[field] = schema
        return {resource: list(keys.items()) for resource, keys in grouped.items()}

    def _template(self, role: OperationRole, scope_key: str, path_params: Mapping[str, str]) -> Any:
        """A fresh copy of the synthesized record a client's create starts from.

        Synthesizing a whole record is most of a create's cost, and what a client creates is
        mostly what it sent: records a client creates in one scope share the fields it did not
        send (its keys are the record's own), seeded records are synthesized one by one.
        """
        key = (role.resource or "", scope_key, tuple(sorted(path_params.items())))
        template = self._templates.get(key)
        if template is None:
            template = self.synthesizer.value(
                self.schema(role), key=f"template|{key[0]}|{scope_key}", context=path_params
            )
            self._templates.put(key, template)
        return copy.deepcopy(template)

    def _uuid_fields(self, role: OperationRole) -> list[str]:
        """Record fields that hold a uuid: an identity, never shared between two records."""
        fields = self._uuids.get(role.resource or "")
        if fields is None:
            fields = [
                name
                for name, sub in self.properties(role).items()
                if resolve_ref(self.document, sub).get("format") == "uuid"
            ]
            self._uuids[role.resource or ""] = fields
        return fields

    def _lookup_value(
        self, param_schema: Mapping[str, Any], resource: str, identifier: int, field: str
    ) -> Any:
        plain = not (param_schema.get("format") or param_schema.get("pattern"))
        if param_schema.get("type") == "integer" or not param_schema:
            return identifier
        if field in ("id", "pk") and plain:
            return identifier  # DRF's primary key is a number, whatever the path declares
        if param_schema.get("format") or param_schema.get("pattern"):
            return self.synthesizer.value(param_schema, key=f"lookup|{resource}|{identifier}")
        return str(identifier)

    def _stamped_now(self, role: OperationRole, data: Mapping[str, Any]) -> list[str]:
        """Fields a new record takes the current time in: the usual names, and every read-only
        date-time (Django's auto_now_add fields are read-only in DRF)."""
        stamped = [name for name in _CREATED if name in data]
        for name, schema in self.properties(role).items():
            resolved = resolve_ref(self.document, schema)
            if resolved.get("readOnly") and resolved.get("format") == "date-time" and name in data:
                stamped.append(name)
        return stamped

    def derived(self, role: OperationRole, data: Mapping[str, Any]) -> dict[str, Any]:
        """The fields a write changes besides those it sends: the counts of the lists it
        changed (`mentor_count` after `add-mentor`)."""
        if self._derive is None:
            return {}
        value = copy.deepcopy(dict(data))
        self._derive(value, self.schema(role))
        return {name: shown for name, shown in value.items() if data.get(name) != shown}

    def stamps(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The modification times a write gives the record: now, on the mock's clock."""
        now = self.timeline.now_text()
        return {name: now for name in _UPDATED if name in data}

    def fits_item(self, list_schema: Mapping[str, Any], value: Any) -> bool:
        """Whether `value` may stand in the list field described by `list_schema`."""
        items = resolve_ref(self.document, list_schema).get("items", {})
        return self.synthesizer.fits(items, value)

    def writable(self, role: OperationRole, writes: Mapping[str, Any]) -> dict[str, Any]:
        """The sent fields the record keeps: declared by its schema and not read-only."""
        properties = self.properties(role)
        return {
            name: value
            for name, value in writes.items()
            if name in properties
            and not resolve_ref(self.document, properties[name]).get("readOnly")
        }

    def create(
        self,
        role: OperationRole,
        scope: Scope,
        path_params: Mapping[str, str],
        writes: Mapping[str, Any],
        *,
        seeded: bool = False,
    ) -> Record:
        resource = role.resource or ""
        identifier = self.store.next_id(resource)
        scope_key = ",".join(f"{k}={v}" for k, v in sorted(scope.items()))
        if seeded:
            data = self.synthesizer.value(
                self.schema(role),
                key=f"record|{resource}|{scope_key}|{identifier}",
                context=path_params,
            )
        else:
            data = self._template(role, scope_key, path_params)
        if not isinstance(data, dict):
            data = {}
        properties = self.properties(role)
        for name in ("id", "pk"):  # the primary key, under either of DRF's names
            if resolve_ref(self.document, properties.get(name, {})).get("type") == "integer":
                data[name] = identifier
        # A record must carry the field its item paths look it up by, even where the schema
        # answered for it does not show that field (projection then leaves it out); a record
        # made from a template gets keys of its own.
        for field, param_schema in self._lookups_of(resource):
            if field not in data or (not seeded and field not in ("id", "pk")):
                data[field] = self._lookup_value(param_schema, resource, identifier, field)
        if not seeded:
            for field in self._uuid_fields(role):
                data[field] = str(
                    uuid.UUID(int=_number(f"{resource}|{field}|{identifier}"), version=4)
                )
        key = f"{resource}|{identifier}"
        linked = self.linker.link(resource, self.schema(role), scope, data, key=key)
        if not seeded:
            data.update(self.writable(role, writes))
            now = self.timeline.now_text()
            for name in self._stamped_now(role, data):
                data[name] = now
        record = self.store.add(resource, scope, data)
        if not linked and seeded:
            self.linker.defer(record, self.schema(role), key)
        else:
            self.linker.answer_back(record)
        return record


def _number(text: str) -> int:
    """128 bits derived from `text`: the same record gets the same uuid in every run."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")
