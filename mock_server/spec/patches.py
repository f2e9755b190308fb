"""Named load-time fixes for defects in the published document.

The vendored file stays byte-identical to the published one so that a newer release can be
dropped in; every fix the mock needs is a function here, applied to the parsed document.
Each patch is idempotent and returns how many places it changed, so the loader can report
what it did and a test can prove each patch still finds its defect.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import CodeType
from typing import Any

Document = dict[str, Any]


@dataclass(frozen=True)
class Patch:
    name: str
    why: str
    apply: Callable[[Document], int]


def _walk_schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in the document that looks like a schema (has a type or a default)."""
    if isinstance(node, dict):
        if "type" in node or "default" in node:
            yield node
        for value in node.values():
            yield from _walk_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_schemas(value)


def drop_defaults_that_violate_min_length(document: Document) -> int:
    """`default: ''` beside `minLength: 1` makes openapi-spec-validator reject the whole document.

    DRF (drf-spectacular) emits it for optional query parameters whose serializer field has
    `default=''`; the parameter is optional either way, so the default carries no meaning a
    client can rely on and is dropped.
    """
    changed = 0
    for schema in _walk_schemas(document):
        default = schema.get("default")
        min_length = schema.get("minLength")
        if isinstance(default, str) and isinstance(min_length, int) and len(default) < min_length:
            del schema["default"]
            changed += 1
    return changed


def drop_content_from_no_content_responses(document: Document) -> int:
    """204 responses that declare a JSON body: HTTP forbids a body on 204, DRF sends none.

    Left in, every contract tester expects JSON where no byte can be sent.
    """
    changed = 0
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status) in NO_CONTENT_STATUSES and "content" in response:
                    del response["content"]
                    changed += 1
    return changed


NO_CONTENT_STATUSES = frozenset({"204", "205", "304"})

DRF_ERROR_SCHEMA = "DRFErrorBody"
_NOT_FOUND_RESPONSE = {
    "description": "Not found: no such record in this scope, or a page past the end",
    "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{DRF_ERROR_SCHEMA}"}}
    },
}


def _declare_error_schema(document: Document) -> None:
    """The schema the declared DRF errors answer with, added once."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        DRF_ERROR_SCHEMA,
        {
            "type": "object",
            "description": 'Django REST Framework\'s error body: {"detail": "..."} or field errors',
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": True,
        },
    )


def declare_drf_not_found(document: Document) -> int:
    """DRF answers 404 from every view that looks a record up, and from a page past the end.

    drf-spectacular documents that 404 on a few operations only, so a client (and a contract
    tester) would be told a deleted or foreign record cannot be missing. Every operation with a
    path parameter or a `page` parameter gets DRF's 404 `{"detail": "..."}` where it declares none.
    """
    _declare_error_schema(document)
    changed = 0
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            looks_up = "{" in path or any(
                isinstance(p, dict) and p.get("name") == "page" and p.get("in") == "query"
                for p in operation.get("parameters", [])
            )
            if looks_up and "404" not in operation["responses"]:
                operation["responses"]["404"] = _NOT_FOUND_RESPONSE
                changed += 1
    return changed


_AUTH_RESPONSES = {
    "401": "Authentication credentials were not provided, or are not valid",
    "403": "You do not have permission to perform this action",
}


def declare_drf_auth_errors(document: Document) -> int:
    """DRF answers 401 and 403 from every view its authentication and permissions guard.

    The document declares them on a few operations only; every operation that requires the
    platform key can answer either. Each gets DRF's `{"detail": "..."}` where it declares none.
    """
    _declare_error_schema(document)
    changed = 0
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if not operation.get("security"):
                continue
            for status, description in _AUTH_RESPONSES.items():
                if status not in operation["responses"]:
                    operation["responses"][status] = {
                        "description": description,
                        "content": _NOT_FOUND_RESPONSE["content"],
                    }
                    changed += 1
    return changed


def declare_drf_bad_request(document: Document) -> int:
    """DRF answers 400 from every view that reads a body or filters on query parameters.

    A body that fails its serializer, or a query value a filter cannot read (`?mentor_id=457`
    for a uuid), is DRF's 400 with field errors. The document declares that 400 on a few
    operations only; every operation with a request body or a query parameter gets it, with
    DRF's error body, where it declares none.
    """
    _declare_error_schema(document)
    changed = 0
    for item in document.get("paths", {}).values():
        shared = item.get("parameters", []) if isinstance(item, dict) else []
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = [*shared, *operation.get("parameters", [])]
            takes_input = "requestBody" in operation or any(
                isinstance(p, dict) and p.get("in") == "query" for p in parameters
            )
            if takes_input and "400" not in operation["responses"]:
                operation["responses"]["400"] = {
                    "description": "Invalid input: DRF's field errors, or its parse error",
                    "content": _NOT_FOUND_RESPONSE["content"],
                }
                changed += 1
    return changed


PATCHES: tuple[Patch, ...] = (
    Patch(
        name="drop-defaults-that-violate-min-length",
        why="a string default shorter than its own minLength invalidates the document",
        apply=drop_defaults_that_violate_min_length,
    ),
    Patch(
        name="drop-content-from-no-content-responses",
        why="a 204 response cannot carry the body the document declares for it",
        apply=drop_content_from_no_content_responses,
    ),
    Patch(
        name="declare-drf-not-found",
        why="DRF's 404 for a missing record or page is documented on few operations",
        apply=declare_drf_not_found,
    ),
    Patch(
        name="declare-drf-auth-errors",
        why="DRF's 401 and 403 for guarded views are documented on few operations",
        apply=declare_drf_auth_errors,
    ),
    Patch(
        name="declare-drf-bad-request",
        why="DRF's 400 for an invalid body or query value is documented on few operations",
        apply=declare_drf_bad_request,
    ),
)


def patches_digest(patches: tuple[Patch, ...] | None = None) -> str:
    """A digest of what the patches do: the source of the modules that define them and each
    patch's name and compiled code, so a changed patch (or helper, or constant) keys anew."""
    chosen = PATCHES if patches is None else patches
    digest = hashlib.sha256()
    modules = {sys.modules[__name__]} | {inspect.getmodule(p.apply) for p in chosen} - {None}
    for module in sorted(modules, key=lambda m: m.__name__ if m else ""):
        source = inspect.getsourcefile(module) if module else None
        if source:
            with open(source, "rb") as file:
                digest.update(file.read())
    for patch in chosen:
        digest.update(patch.name.encode() + b"\0")
        code = getattr(patch.apply, "__code__", None)
        if isinstance(code, CodeType):
            _digest_code(digest, code)
    return digest.hexdigest()


def _digest_code(digest: Any, code: CodeType) -> None:
    # Nested code objects recursed into: their repr carries a memory address.
    digest.update(code.co_code)
    digest.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _digest_code(digest, const)
        else:
            digest.update(repr(const).encode())


def apply_patches(document: Document) -> dict[str, int]:
    """Apply every patch in order; answer patch name -> places changed."""
    return {patch.name: patch.apply(document) for patch in PATCHES}
