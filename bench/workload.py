"""The requests the benchmark sends: three mixes, chosen from the document and checked live.

- GET mix: list and aggregate GETs (no parameter at the end of the path, no required query),
  their path parameters filled with the seed world's tenant, user and a valid course id.
- Item-read mix: item GETs of collection/item pairs, each naming a record that the first page
  of its collection returns from the seeded mock.
- Create-then-read: POST a project, then GET the project the answer names.

Only requests that both servers answer with a 2xx are kept, so each server is timed on work it
does rather than on quick refusals.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.model import ResourceKind, ResourceModel, infer_resources
from mock_server.spec.index import Operation, OperationIndex, is_template_segment, segments
from mock_server.synthesis import Synthesizer

HEADERS = {"Authorization": "Api-Key bench"}
COURSE_ID = "course-v1:Acme+CS101+2025_T1"
WORLD_VALUES = {
    "org": "main",
    "platform_key": "main",
    "org_id": "main",
    "user_id": "admin",
    "username": "admin",
    "user": "admin",
    "course_id": COURSE_ID,
    "course_key": COURSE_ID,
}
GET_MIX_SIZE = 48
CREATE_COLLECTION = "/api/ai-mentor/orgs/{org}/users/{user_id}/projects/"


@dataclass(frozen=True)
class CreateThenRead:
    collection: str  # concrete path to POST to
    body: bytes


@dataclass(frozen=True)
class Workload:
    get_mix: list[str]
    item_mix: list[str]
    create: CreateThenRead


def fill(template: str, values: Mapping[str, str]) -> str | None:
    """The template with every parameter taken from `values`, or None if one is missing."""
    parts = []
    for segment in segments(template):
        if is_template_segment(segment):
            value = values.get(segment[1:-1])
            if value is None:
                return None
            parts.append(value)
        else:
            parts.append(segment)
    return "/" + "/".join(parts) + ("/" if template.endswith("/") else "")


def _fits_patterns(operation: Operation, values: Mapping[str, str]) -> bool:
    for parameter in operation.parameters:
        pattern = parameter.get("schema", {}).get("pattern")
        name = parameter["name"]
        if parameter.get("in") == "path" and pattern and not re.search(pattern, values[name]):
            return False
    return True


def _needs_query(operation: Operation) -> bool:
    return any(p.get("in") == "query" and p.get("required") for p in operation.parameters)


def get_candidates(index: OperationIndex, values: Mapping[str, str] = WORLD_VALUES) -> list[str]:
    """List/aggregate GET paths that `values` (the world's, by default) fill, in document order."""
    paths = []
    for operation in index:
        if operation.method != "get" or is_template_segment(segments(operation.path)[-1]):
            continue
        path = fill(operation.path, values)
        if path and not _needs_query(operation) and _fits_patterns(operation, values):
            paths.append(path)
    return paths


def item_candidates(model: ResourceModel, index: OperationIndex) -> list[tuple[str, str, str]]:
    """(collection path, item template, id field) for pairs with a GET on both ends."""
    gets = {op.path for op in index if op.method == "get"}
    found = []
    for role in model.roles.values():
        if role.kind is not ResourceKind.ITEM or role.method != "get":
            continue
        if role.collection_path not in gets or role.id_param is None or role.id_field is None:
            continue
        collection = fill(role.collection_path, WORLD_VALUES)
        if collection is not None:
            found.append((collection, role.path, role.id_field))
    return sorted(found)


def status_of(base: str, path: str, method: str = "GET", body: bytes | None = None) -> int:
    headers = dict(HEADERS, **({"Content-Type": "application/json"} if body else {}))
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def read_json(base: str, path: str) -> Any:
    request = urllib.request.Request(base + path, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _spread(items: list[str], count: int) -> list[str]:
    """`count` items taken evenly across `items`, so every part of the API is represented."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _answered_by_all(paths: Iterable[str], bases: list[str]) -> list[str]:
    return [p for p in paths if all(200 <= status_of(base, p) < 300 for base in bases)]


def _first_id(base: str, collection: str, id_field: str) -> str | None:
    try:
        body = read_json(base, collection)
    except (urllib.error.HTTPError, ValueError):
        return None
    records = body.get("results") if isinstance(body, dict) else body
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return None
    value = records[0].get(id_field)
    return None if value is None else str(value)


def build_workload(document: Mapping[str, Any], mock: str, peers: list[str]) -> Workload:
    """The three mixes, kept to what the running mock at `mock` and every peer answer with 2xx."""
    index = OperationIndex.from_document(document)
    model = infer_resources(index, document)
    bases = [mock, *peers]
    get_mix = _spread(_answered_by_all(get_candidates(index), bases), GET_MIX_SIZE)

    items = []
    for collection, template, id_field in item_candidates(model, index):
        record_id = _first_id(mock, collection, id_field)
        role_values = dict(WORLD_VALUES)
        if record_id is None:
            continue
        template_id = next(s[1:-1] for s in reversed(segments(template)) if is_template_segment(s))
        role_values[template_id] = urllib.parse.quote(record_id, safe="")
        path = fill(template, role_values)
        if path is not None:
            items.append(path)
    item_mix = _answered_by_all(items, bases)

    create = _create_then_read(document, index)
    for base in bases:
        status = status_of(base, create.collection, "POST", create.body)
        if status != 201:
            raise RuntimeError(f"{base}: POST {create.collection} answered {status}, not 201")
    return Workload(get_mix, item_mix, create)


def _create_then_read(document: Mapping[str, Any], index: OperationIndex) -> CreateThenRead:
    operation = index.by_path[CREATE_COLLECTION]["post"]
    assert operation.request_body is not None
    schema = operation.request_body["content"]["application/json"]["schema"]
    body = Synthesizer(document).value(schema, key="bench", direction="request")
    path = fill(CREATE_COLLECTION, WORLD_VALUES)
    assert path is not None
    return CreateThenRead(path, json.dumps(body).encode())
