"""Declared examples: which ones may be served as they are.

Examples in this document drift from their schemas; e.g. the custom-instruction responses carry
`username`, `platform_key` and `content`, none of which `CustomInstructionResponse` declares. Such
an example still passes the validator (extra properties are allowed by default), but serving it
would teach a client fields the real server never promised, so it is rejected as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.synthesis.schemas import Schema, SchemaIndex, View


def declared(media: Mapping[str, Any], index: SchemaIndex) -> list[Any]:
    """The media-level `example`, every `examples[*].value`, then the schema's own `example`."""
    found: list[Any] = []
    if "example" in media:
        found.append(media["example"])
    for entry in (media.get("examples") or {}).values():
        if isinstance(entry, Mapping) and isinstance(entry.get("$ref"), str):
            entry = index.resolve(entry["$ref"])
        if isinstance(entry, Mapping) and "value" in entry:
            found.append(entry["value"])
    schema = media.get("schema")
    if isinstance(schema, Mapping):
        own = index.view(schema).schema
        if "example" in own:
            found.append(own["example"])
    return found


def undeclared(value: Any, schema: Schema, index: SchemaIndex) -> bool:
    """Whether `value` carries, at any depth, a property the schema does not declare."""
    view = index.view(schema)
    if view.choices:
        # Acceptable when at least one alternative declares everything the value carries.
        return all(undeclared(value, alternative, index) for alternative in view.choices)
    if isinstance(value, Mapping):
        return _object_undeclared(value, view, index)
    if isinstance(value, list):
        items = view.schema.get("items")
        return isinstance(items, Mapping) and any(undeclared(v, items, index) for v in value)
    return False


def _object_undeclared(value: Mapping[str, Any], view: View, index: SchemaIndex) -> bool:
    properties: Mapping[str, Schema] = view.schema.get("properties") or {}
    extra = view.schema.get("additionalProperties")
    for name, item in value.items():
        if name in properties:
            if undeclared(item, properties[name], index):
                return True
        elif isinstance(extra, Mapping):
            if extra and undeclared(item, extra, index):
                return True
        elif extra is not True and (properties or extra is False):
            return True
    return False
