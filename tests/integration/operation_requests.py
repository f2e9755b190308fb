"""Concrete, valid requests for the document's operations: URL, required query, JSON body.

Path values are chosen so that a URL can only be matched by its own template: integers for
integer parameters, the pattern's own shape where there is a pattern, and otherwise strings
starting `p-` that no literal segment of the document starts with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from mock_server.model import ResourceKind
from mock_server.spec.index import Operation, is_template_segment, segments
from mock_server.synthesis import Synthesizer

if TYPE_CHECKING:
    from mock_server.app import MockApplication

COURSE_ID = "course-v1:Acme+CS101+2025_T1"
UUID = "6f1c2a3e-8d4b-4c2a-9e1f-2b3c4d5e6f70"
INTEGER = "42"
JSON = "application/json"
# Path values naming the world's first tenant and one of its learners: scopes that have data.
# Other values name a tenant or user the world does not know, whose lists start empty.
WORLD_VALUES = {
    "org": "main",
    "platform_key": "main",
    "user_id": "alice",
    "username": "alice",
}


def path_value(parameter: Mapping[str, Any]) -> str:
    """A value of the parameter's schema that no literal segment can be confused with."""
    name = str(parameter["name"])
    schema: Mapping[str, Any] = parameter.get("schema", {})
    if schema.get("type") == "integer":
        return INTEGER
    if schema.get("format") == "uuid":
        return UUID
    pattern = schema.get("pattern")
    if pattern:
        for candidate in (COURSE_ID, f"p_{name}"):
            if re.search(pattern, candidate):
                return candidate
        raise AssertionError(f"no test value for {name} matches {pattern!r}")
    return f"p-{name}"


def path_values(operation: Operation) -> dict[str, str]:
    return {p["name"]: path_value(p) for p in operation.parameters if p.get("in") == "path"}


def concrete_path(operation: Operation, overrides: Mapping[str, str] | None = None) -> str:
    values = {**path_values(operation), **(overrides or {})}
    parts = [values[s[1:-1]] if is_template_segment(s) else s for s in segments(operation.path)]
    return "/" + "/".join(parts) + ("/" if operation.path.endswith("/") else "")


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def required_query(synthesizer: Synthesizer, operation: Operation) -> list[tuple[str, str]]:
    """Values for the operation's required query parameters, valid for their schemas."""
    query: list[tuple[str, str]] = []
    for parameter in operation.parameters:
        if parameter.get("in") != "query" or not parameter.get("required"):
            continue
        value = synthesizer.value(
            parameter.get("schema", {}),
            key=f"{operation.operation_id}|query|{parameter['name']}",
            direction="request",
        )
        values = value if isinstance(value, list) else [value]
        query.extend((parameter["name"], _query_text(v)) for v in values)
    return query


def json_body(synthesizer: Synthesizer, operation: Operation) -> bytes | None:
    """A JSON request body for POST/PUT/PATCH operations that declare a JSON one."""
    if operation.method not in ("post", "put", "patch") or operation.request_body is None:
        return None
    media = operation.request_body.get("content", {}).get(JSON)
    if not isinstance(media, Mapping) or "schema" not in media:
        return None
    value = synthesizer.value(media["schema"], key=operation.operation_id, direction="request")
    return orjson.dumps(value)


def request_kwargs(synthesizer: Synthesizer, operation: Operation) -> dict[str, Any]:
    """`httpx` keyword arguments for a request the operation should accept."""
    kwargs: dict[str, Any] = {"params": required_query(synthesizer, operation)}
    body = json_body(synthesizer, operation)
    if body is not None:
        kwargs["content"] = body
        kwargs["headers"] = {"content-type": JSON}
    return kwargs


def ends_in_parameter(operation: Operation) -> bool:
    return is_template_segment(segments(operation.path)[-1])


def live_path(
    app: MockApplication, operation: Operation, overrides: Mapping[str, str] | None = None
) -> str:
    """`concrete_path`, naming a record that exists when the operation works on stored records.

    The scope is seeded first (as a request to it would), and the item parameter takes the id
    of one of its records, so item operations find what they ask for instead of a 404.
    """
    values = {**path_values(operation), **(overrides or {})}
    resources = app.engine.resources
    role = resources.role(operation)
    if role is None or (role.id_param is None and role.kind is not ResourceKind.SINGLETON):
        return concrete_path(operation, values)
    records = resources.existing(role, values)
    if not records:  # an earlier test deleted them all: make one, as a client would
        scope = {canonical: values[param] for canonical, param in role.scope_params}
        records = [resources.records.create(role, scope, values, {}, seeded=True)]
    if role.id_param is not None:
        values[role.id_param] = str(records[-1].data.get(resources.records.lookup_field(role)))
    return concrete_path(operation, values)
