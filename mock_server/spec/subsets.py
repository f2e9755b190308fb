"""One tag's part of the document: its operations and only the components they reach.

Swagger UI turns the whole document (2.7 MB, 1,176 operations) into its own structures before
it draws anything, about two seconds on a laptop; a tag's part is a fraction of that. `/docs/`
offers one per tag in its dropdown, the whole document last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF_PREFIX = "#/components/"


def tags_by_size(document: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Every operation tag of the document and its operations, the most used first."""
    counted: Counter[str] = Counter()
    for item in document.get("paths", {}).values():
        for method in _METHODS:
            for tag in (item.get(method) or {}).get("tags", ()):
                counted[tag] += 1
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))


def tag_subset(document: Mapping[str, Any], tag: str) -> dict[str, Any] | None:
    """The document with only the operations tagged `tag` and the components they reach
    (security schemes are kept whole); None if no operation carries the tag."""
    paths: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in _METHODS or tag in (value or {}).get("tags", ())
        }
        if any(key in _METHODS for key in kept):
            paths[path] = kept
    if not paths:
        return None
    components: Mapping[str, Any] = document.get("components", {})
    reached = _reached(paths, components)
    subset_components: dict[str, Any] = {
        kind: {name: entries[name] for name in entries if (kind, name) in reached}
        for kind, entries in components.items()
        if kind != "securitySchemes"
    }
    if "securitySchemes" in components:
        subset_components["securitySchemes"] = components["securitySchemes"]
    subset = {key: value for key, value in document.items() if key not in ("paths", "tags")}
    subset["paths"] = paths
    subset["components"] = {kind: found for kind, found in subset_components.items() if found}
    subset["tags"] = [t for t in document.get("tags", []) if t.get("name") == tag]
    return subset


def _reached(root: Any, components: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of every component `root` refers to, directly or through others."""
    reached: set[tuple[str, str]] = set()
    pending = list(_refs(root))
    while pending:
        ref = pending.pop()
        if not ref.startswith(_REF_PREFIX):
            continue
        kind, _, name = ref[len(_REF_PREFIX) :].partition("/")
        key = (kind, name.split("/", 1)[0])
        if key in reached or key[1] not in components.get(kind, {}):
            continue
        reached.add(key)
        pending.extend(_refs(components[kind][key[1]]))
    return reached


def _refs(value: Any) -> Iterator[str]:
    """Every `$ref` string within `value`, without recursion (documents nest deeply)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
