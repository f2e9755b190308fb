"""Find the operation of a request path in time that does not grow with the number of paths.

A segment trie of the document's path templates. Matching walks the request's segments,
trying a literal child before a parameter child and backtracking when a branch dead-ends, so:
- concrete segments win over templated ones, as OpenAPI requires;
- the path is matched first and the method second, as Django does: a known path asked with a
  method it lacks is a 405 with an `Allow` list, not a fall-through to a looser template;
- cost is proportional to the depth of the path, not to the number of templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mock_server.spec.index import is_template_segment, segments, specificity_key

_INTEGER = re.compile(r"-?[0-9]+")


@dataclass
class _Leaf:
    template: str
    parameter_names: tuple[str, ...]
    operations: dict[str, str] = field(default_factory=dict)  # METHOD -> operationId


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    integer_param: _Node | None = None
    string_param: _Node | None = None
    # Keyed by whether the template ends with "/": Django tells /a/ and /a apart.
    leaves: dict[bool, _Leaf] = field(default_factory=dict)


@dataclass(frozen=True)
class RouteMatch:
    template: str
    path_params: dict[str, str]
    operation_id: str | None  # None: the path is known but not for this method
    allowed_methods: tuple[str, ...]


class PathRouter:
    def __init__(self) -> None:
        self._root = _Node()

    def add(
        self, template: str, method: str, operation_id: str, integer_params: Iterable[str] = ()
    ) -> None:
        integers = set(integer_params)
        node = self._root
        names: list[str] = []
        for segment in segments(template):
            if is_template_segment(segment):
                name = segment[1:-1]
                names.append(name)
                if name in integers:
                    node.integer_param = node.integer_param or _Node()
                    node = node.integer_param
                else:
                    node.string_param = node.string_param or _Node()
                    node = node.string_param
            else:
                node = node.literals.setdefault(segment, _Node())
        slash = template.endswith("/")
        leaf = node.leaves.setdefault(slash, _Leaf(template, tuple(names)))
        leaf.operations[method.upper()] = operation_id

    def match(self, path: str, method: str) -> RouteMatch | None:
        """The operation for `method` on the most concrete template matching `path`, if any."""
        parts = segments(path)
        found = _find(self._root, parts, 0, [], path.endswith("/") or not parts)
        if found is None:
            return None
        leaf, values = found
        params = dict(zip(leaf.parameter_names, values, strict=True))
        allowed = tuple(sorted(leaf.operations))
        return RouteMatch(leaf.template, params, leaf.operations.get(method.upper()), allowed)


def _find(
    node: _Node, parts: list[str], depth: int, values: list[str], slash: bool
) -> tuple[_Leaf, list[str]] | None:
    if depth == len(parts):
        leaf = node.leaves.get(slash)
        return (leaf, list(values)) if leaf is not None else None
    segment = parts[depth]
    literal = node.literals.get(segment)
    if literal is not None:
        found = _find(literal, parts, depth + 1, values, slash)
        if found is not None:
            return found
    # An integer parameter takes only an integer segment; a string parameter takes any segment.
    # Both rank alike in specificity, so when both branches match, later segments decide
    # (as in `route_order`); on a tie the integer template, the narrower one, wins.
    best: tuple[_Leaf, list[str]] | None = None
    for child in (node.integer_param if _is_integer(segment) else None, node.string_param):
        if child is None:
            continue
        values.append(segment)
        found = _find(child, parts, depth + 1, values, slash)
        values.pop()
        if found is not None and (
            best is None or specificity_key(found[0].template) < specificity_key(best[0].template)
        ):
            best = found
    return best


def _is_integer(segment: str) -> bool:
    # ASCII digits only (str.isdigit takes '²' and '٣'); negative too, as the document
    # declares plain `type: integer` path parameters.
    return _INTEGER.fullmatch(segment) is not None
