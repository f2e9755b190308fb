"""Totals in synthesized views that agree with the store: `total_mentors` counts the mentors.

An analytics view is synthesized, but where it reports how many of a stored type a tenant has
(`total_<plural>`, `<plural>_count`, `num_<plural>` naming a listed resource type), the answer
shows the number of that type's records in the tenant the path names; `active_<plural>` is
kept at most that. Every other figure of the view stays synthetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.model import OperationRole, Verb
from mock_server.model.paths import TENANT_PARAMS
from mock_server.model.references import resource_names
from mock_server.spec.index import Operation, object_properties, resolve_ref
from mock_server.store import Store
from mock_server.synthesis.heuristics import singular

_TOTAL = re.compile(r"^(?:total_|num_|number_of_)(?P<a>[a-z_]+)$|^(?P<b>[a-z_]+)_(?:count|total)$")
Fits = Callable[[Mapping[str, Any], Any], bool]


@dataclass(frozen=True)
class Total:
    field: str  # `total_mentors`
    resource: str  # `Mentor`
    bounded: tuple[str, ...]  # fields that count a part of it: `active_mentors`
    schema: Mapping[str, Any]


class Aggregates:
    def __init__(
        self,
        document: Mapping[str, Any],
        roles: Mapping[str, OperationRole],
        store: Store,
        fits: Fits,
    ) -> None:
        self.document = document
        self.store = store
        self.fits = fits
        listed = {r.resource for r in roles.values() if r.verb is Verb.LIST and r.stored}
        self._names = resource_names(r for r in listed if r)
        self._plans: dict[str, tuple[Total, ...]] = {}

    def plan(self, operation: Operation, schema: Mapping[str, Any]) -> tuple[Total, ...]:
        """The totals an operation's answer shows, worked out once per operation."""
        found = self._plans.get(operation.operation_id)
        if found is None:
            found = self._plans[operation.operation_id] = self._totals(schema)
        return found

    def _totals(self, schema: Mapping[str, Any]) -> tuple[Total, ...]:
        properties = object_properties(self.document, schema)
        totals = []
        for field, sub in properties.items():
            match = _TOTAL.match(field)
            if match is None or resolve_ref(self.document, sub).get("type") != "integer":
                continue
            plural = match["a"] or match["b"]
            resource = self._names.get(singular(plural))
            if resource is not None:
                parts = tuple(f for f in properties if f.endswith(f"_{plural}") and f != field)
                totals.append(Total(field, resource, parts, sub))
        return tuple(totals)

    def apply(self, value: Any, totals: tuple[Total, ...], path_params: Mapping[str, str]) -> Any:
        """`value` with each total counted in the tenant the path names (a copy when changed)."""
        tenant = next((path_params[p] for p in TENANT_PARAMS if path_params.get(p)), None)
        if not totals or not isinstance(value, dict) or not tenant:
            return value
        shown = dict(value)
        for total in totals:
            count = len(self.store.find(total.resource, {"tenant": tenant}))
            if total.field in shown and self.fits(total.schema, count):
                shown[total.field] = count
                for part in total.bounded:
                    if isinstance(shown.get(part), int) and shown[part] > count:
                        shown[part] = count
        return shown
