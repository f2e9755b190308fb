"""A document with N times the paths: the same API mounted under /v1 ... /v{N-1} as well.

Copy 0 is the document itself, so the benchmark's requests are the same against both; the
other copies only make the router, the index and the per-operation tables N times larger.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def multiply_paths(document: Mapping[str, Any], factor: int) -> dict[str, Any]:
    larger = copy.deepcopy(dict(document))
    paths: dict[str, Any] = dict(larger["paths"])
    for k in range(1, factor):
        for path, item in document["paths"].items():
            twin = copy.deepcopy(item)
            for operation in twin.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation["operationId"] = f"{operation['operationId']}_v{k}"
            paths[f"/v{k}{path}"] = twin
    larger["paths"] = paths
    return larger
