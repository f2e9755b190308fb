"""Validators for generated values, built the way openapi-core 0.23 builds them.

openapi-core validates response bodies with `OAS30ReadValidator` and the class's own
`FORMAT_CHECKER` (`oas30_format_checker`), request bodies with `OAS30WriteValidator`, resolving
references against the whole document registered as a DRAFT 2020-12 resource. Checking with the
same classes means a value accepted here is accepted by the server's response validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from jsonschema.protocols import Validator
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mock_server.memo import BoundedCache

Direction = Literal["response", "request"]

DOCUMENT_URI = "urn:ibl-mock:openapi-document"
# Well above the schemas of the document values are checked against (under a thousand for
# every create); schemas built while answering come and go, and the oldest make room.
MAX_VALIDATORS = 8192


class Validators:
    """One validator per (schema, direction), built on first use.

    A bare `{"$ref": ...}` is keyed by the reference it names, so the same reference built
    afresh on every request shares one validator; any other schema by its identity, kept alive
    by its entry so the identity cannot be reused, in a cache of at most `MAX_VALIDATORS`.
    """

    def __init__(self, document: Mapping[str, Any], *, size: int = MAX_VALIDATORS) -> None:
        registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI, DRAFT202012.create_resource(document)
        )
        self._resolver = registry.resolver(base_uri=DOCUMENT_URI)
        self._by_ref: dict[tuple[str, Direction], Validator] = {}
        self._by_id: BoundedCache[tuple[int, Direction], tuple[Mapping[str, Any], Validator]] = (
            BoundedCache(size)
        )

    def get(self, schema: Mapping[str, Any], direction: Direction = "response") -> Validator:
        ref = schema.get("$ref") if len(schema) == 1 else None
        if isinstance(ref, str):
            found = self._by_ref.get((ref, direction))
            if found is None:
                # Built on a copy: the caller's dict may be a temporary one.
                found = self._build({"$ref": ref}, direction)
                self._by_ref[(ref, direction)] = found
            return found
        key = (id(schema), direction)
        hit = self._by_id.get(key)
        if hit is not None and hit[0] is schema:
            return hit[1]
        validator = self._build(schema, direction)
        self._by_id.put(key, (schema, validator))
        return validator

    def __len__(self) -> int:
        return len(self._by_ref) + len(self._by_id)

    def _build(self, schema: Mapping[str, Any], direction: Direction) -> Validator:
        cls = OAS30ReadValidator if direction == "response" else OAS30WriteValidator
        validator: Validator = cls(
            schema, _resolver=self._resolver, format_checker=oas30_format_checker
        )
        return validator

    def fits(
        self, schema: Mapping[str, Any], value: Any, direction: Direction = "response"
    ) -> bool:
        return bool(self.get(schema, direction).is_valid(value))
