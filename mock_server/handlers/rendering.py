"""A stateful answer rendered through the operation's declared response schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.handlers.projection import Projector
from mock_server.handlers.query import Page
from mock_server.handlers.resources import StateAnswer
from mock_server.spec.index import object_properties, resolve_ref

_PAGE_FIELDS = ("count", "next", "previous", "results")
# RFC 7644's list envelope: `{"schemas": [...], "totalResults": n, "Resources": [...]}`.
SCIM_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def render_state(
    projector: Projector,
    schema: Mapping[str, Any],
    state: StateAnswer,
    page: Page | None,
    key: str,
    context: Mapping[str, str],
) -> Any:
    document = projector.document
    if state.records is None:
        record_key = f"{key}|{(state.record or {}).get('id', '')}"
        return projector.project(schema, state.record or {}, key=record_key, context=context)
    resolved = resolve_ref(document, schema)
    if resolved.get("type") == "array":
        items = resolved.get("items", {})
        if _is_scim_envelope(document, items):
            # The document declares a list of envelopes; SCIM answers one, holding the records.
            return [_scim_envelope(projector, items, state.records, key, context)]
        return _items(projector, items, state.records, key, context)
    properties = object_properties(document, schema)
    if "results" not in properties:
        return projector.synthesize(schema, key=key, context=context)
    items_schema = resolve_ref(document, properties["results"]).get("items", {})
    shown = page.items if page is not None else state.records
    wrapper = projector.synthesize(schema, key=key, context=context)
    wrapper = dict(wrapper) if isinstance(wrapper, dict) else {}
    wrapper["results"] = _items(projector, items_schema, shown, key, context)
    if page is not None:
        wrapper.update(count=page.count, next=page.next, previous=page.previous)
    else:
        wrapper.update(count=len(shown), next=None, previous=None)
    # Keep only the page fields the schema declares (a few wrappers name them differently).
    return {k: v for k, v in wrapper.items() if k in properties or k not in _PAGE_FIELDS}


def _is_scim_envelope(document: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    return {"Resources", "totalResults"} <= set(object_properties(document, schema))


def _scim_envelope(
    projector: Projector,
    schema: Mapping[str, Any],
    records: list[dict[str, Any]],
    key: str,
    context: Mapping[str, str],
) -> Any:
    properties = object_properties(projector.document, schema)
    resources_items = resolve_ref(projector.document, properties["Resources"]).get("items", {})
    envelope = {
        "schemas": [SCIM_LIST],
        "totalResults": len(records),
        "Resources": _items(projector, resources_items, records, key, context),
        "startIndex": 1,
        "itemsPerPage": len(records),
    }
    shown = {name: value for name, value in envelope.items() if name in properties}
    if projector.synthesizer.fits(schema, shown):
        return shown
    return projector.synthesize(schema, key=key, context=context)


def _items(
    projector: Projector,
    items_schema: Mapping[str, Any],
    records: list[dict[str, Any]],
    key: str,
    context: Mapping[str, str],
) -> list[Any]:
    return [
        projector.project(items_schema, record, key=f"{key}|{record.get('id', i)}", context=context)
        for i, record in enumerate(records)
    ]
