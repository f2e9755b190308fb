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

Direction = Literal["response", "request"]

DOCUMENT_URI = "urn:ibl-mock:openapi-document"


class Validators:
    """One validator per (schema mapping, direction), built on first use."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI, DRAFT202012.create_resource(document)
        )
        self._resolver = registry.resolver(base_uri=DOCUMENT_URI)
        self._cache: dict[tuple[int, Direction], tuple[Mapping[str, Any], Validator]] = {}

    def get(self, schema: Mapping[str, Any], direction: Direction = "response") -> Validator:
        key = (id(schema), direction)
        hit = self._cache.get(key)
        if hit is not None and hit[0] is schema:
            return hit[1]
        cls = OAS30ReadValidator if direction == "response" else OAS30WriteValidator
        validator: Validator = cls(
            schema, _resolver=self._resolver, format_checker=oas30_format_checker
        )
        self._cache[key] = (schema, validator)
        return validator

    def fits(
        self, schema: Mapping[str, Any], value: Any, direction: Direction = "response"
    ) -> bool:
        return bool(self.get(schema, direction).is_valid(value))
