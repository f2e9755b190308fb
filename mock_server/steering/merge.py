"""JSON values compared and patched as JSON, not as Python, sees them.

Python counts `True == 1` and `1 == 1.0`; JSON has booleans apart from numbers, so a match on
`{"active": true}` must not match `{"active": 1}`. Numbers compare by value (`1` and `1.0` are
the same JSON number).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch; never mutates its inputs.

    An object patch merges key by key (null removes a key, objects merge recursively); any other
    patch replaces the target whole. The result shares untouched values with `target` but
    nothing with `patch`, which an override keeps and applies again on every answer.
    """
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result: dict[str, Any] = dict(target) if isinstance(target, Mapping) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, Mapping):
        return (
            isinstance(right, Mapping)
            and left.keys() == right.keys()
            and all(json_equal(value, right[key]) for key, value in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, int | float):
        return isinstance(right, int | float) and left == right
    return type(left) is type(right) and bool(left == right)


def json_contains(actual: Any, expected: Any) -> bool:
    """Whether `expected` is a subset of `actual`: every key of an object present and itself
    contained, recursively; anything else (lists included) equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and json_contains(actual[key], value) for key, value in expected.items()
        )
    return json_equal(actual, expected)
