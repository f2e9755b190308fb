"""Index the document's operations and order its path templates for routing.

OpenAPI says concrete path segments win over templated ones, so
`/users/{user_id}/disclaimer-agreements/` must be tried before `/users/{user_id}/{name}/`.
Routers that try templates in document order (Connexion's, Starlette's) get 64 of this
document's templates wrong; handing them the templates in `route_order` fixes that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"^\{[^}/]+\}$")


def is_template_segment(segment: str) -> bool:
    return bool(_PARAM.match(segment))


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def specificity_key(path: str) -> tuple[tuple[int, str], ...]:
    """Sort key: at the first segment where two templates differ, a literal beats a parameter."""
    return tuple((1, "") if is_template_segment(s) else (0, s) for s in segments(path))


def route_order(paths: Iterable[str]) -> list[str]:
    """Templates ordered so that a first-match router honours 'concrete wins over templated'."""
    return sorted(paths, key=specificity_key)


def resolve_ref(document: Mapping[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) until a non-reference node."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, got {ref!r}")
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
        if seen > 50:
            raise ValueError(f"reference cycle at {ref}")
    return node


def object_properties(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """An object schema's properties, including those its `allOf` parts contribute."""
    schema = resolve_ref(document, schema)
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties.update(object_properties(document, part))
    return properties


@dataclass(frozen=True)
class Operation:
    """One operation of the document, with its references resolved one level."""

    operation_id: str
    method: str
    path: str
    definition: Mapping[str, Any] = field(repr=False)
    parameters: tuple[Mapping[str, Any], ...] = field(repr=False)

    @property
    def path_parameter_names(self) -> tuple[str, ...]:
        return tuple(p["name"] for p in self.parameters if p.get("in") == "path")

    @property
    def responses(self) -> Mapping[str, Any]:
        return self.definition.get("responses", {})

    @property
    def answer_status(self) -> int:
        """The status an accepted request gets: the lowest declared 2xx.

        An operation that declares no 2xx (the SCIM deletes, documented as "not supported" with
        a 405 only) answers its lowest declared status: the contract allows nothing else.
        """
        declared = sorted(int(code) for code in self.responses if str(code).isdigit())
        successes = [code for code in declared if 200 <= code < 300]
        if successes:
            return successes[0]
        if declared:
            return declared[0]
        return 204 if self.method == "delete" else 200

    @property
    def request_body(self) -> Mapping[str, Any] | None:
        body = self.definition.get("requestBody")
        return body if isinstance(body, Mapping) else None

    @property
    def security(self) -> list[Mapping[str, Any]] | None:
        security = self.definition.get("security")
        return security if isinstance(security, list) else None


@dataclass
class OperationIndex:
    """Every operation, by id and by path template; templates in routing order."""

    by_id: dict[str, Operation]
    by_path: dict[str, dict[str, Operation]]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> OperationIndex:
        by_id: dict[str, Operation] = {}
        by_path: dict[str, dict[str, Operation]] = {}
        for path in route_order(document.get("paths", {})):
            item = resolve_ref(document, document["paths"][path])
            shared = [resolve_ref(document, p) for p in item.get("parameters", [])]
            for method in HTTP_METHODS:
                definition = item.get(method)
                if not isinstance(definition, Mapping):
                    continue
                operation = Operation(
                    operation_id=definition.get("operationId") or f"{method}_{path}",
                    method=method,
                    path=path,
                    definition=definition,
                    parameters=_merge_parameters(document, shared, definition),
                )
                if operation.operation_id in by_id:
                    raise ValueError(f"duplicate operationId {operation.operation_id}")
                by_id[operation.operation_id] = operation
                by_path.setdefault(path, {})[method] = operation
        return cls(by_id, by_path)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)


def _merge_parameters(
    document: Mapping[str, Any], shared: list[Any], definition: Mapping[str, Any]
) -> tuple[Mapping[str, Any], ...]:
    """Path-item parameters overridden by operation parameters with the same name and place."""
    merged: dict[tuple[str, str], Mapping[str, Any]] = {}
    for parameter in [
        *shared,
        *(resolve_ref(document, p) for p in definition.get("parameters", [])),
    ]:
        merged[(parameter["name"], parameter["in"])] = parameter
    return tuple(merged.values())
