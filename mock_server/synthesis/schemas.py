"""Schema access for generation: lazy `$ref` resolution and flattened views.

A *view* of a schema is one mapping with its `$ref` followed and its `allOf` merged in, so the
generator reads `type`, `properties`, bounds, ... from a single place. `oneOf`/`anyOf` stay in the
view; `branch()` gives the view of one alternative merged with its siblings.

Views are cached by the identity of the schema mapping. The cache keeps a reference to the mapping
so that its id cannot be reused by another object while the entry exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]

_LOWER_BOUNDS = frozenset({"minimum", "minLength", "minItems", "minProperties"})
_UPPER_BOUNDS = frozenset({"maximum", "maxLength", "maxItems", "maxProperties"})
_CHOICES = ("oneOf", "anyOf")


@dataclass(frozen=True, slots=True)
class View:
    schema: Schema  # flattened keywords
    nullable: bool  # whether null validates against the original schema
    name: str | None  # component name when reached through a $ref: a hint for heuristics

    @property
    def read_only(self) -> bool:
        return self.schema.get("readOnly") is True

    @property
    def write_only(self) -> bool:
        return self.schema.get("writeOnly") is True

    @property
    def type(self) -> str | None:
        """The declared type, or the one the keywords imply when `type` is absent."""
        declared = self.schema.get("type")
        if isinstance(declared, str):
            return declared
        if "properties" in self.schema or "additionalProperties" in self.schema:
            return "object"
        if "items" in self.schema:
            return "array"
        if any(k in self.schema for k in ("minimum", "maximum", "multipleOf")):
            return "number"
        if any(k in self.schema for k in ("format", "pattern", "minLength", "maxLength")):
            return "string"
        return None

    @property
    def choices(self) -> Sequence[Schema]:
        for keyword in _CHOICES:
            branches = self.schema.get(keyword)
            if isinstance(branches, list) and branches:
                return branches
        return ()


class SchemaIndex:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._refs: dict[str, Schema] = {}
        self._views: dict[int, tuple[Schema, View]] = {}
        self._branches: dict[tuple[int, int], tuple[Schema, View]] = {}

    def resolve(self, ref: str) -> Schema:
        """The target of a local reference such as `#/components/schemas/X`."""
        cached = self._refs.get(ref)
        if cached is not None:
            return cached
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref!r}")
        node: Any = self._document
        for token in ref[2:].split("/"):
            name = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or name not in node:
                raise ValueError(f"unresolvable reference {ref!r}")
            node = node[name]
        if not isinstance(node, Mapping):
            raise ValueError(f"{ref!r} does not point at a schema")
        self._refs[ref] = node
        return node

    def view(self, schema: Schema) -> View:
        hit = self._views.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        flat, name = self._flatten(schema, ())
        result = View(flat, self.accepts_null(schema), name)
        self._views[id(schema)] = (schema, result)
        return result

    def branch(self, view: View, index: int) -> View:
        """The view of alternative `index` of a view's oneOf/anyOf, merged with its siblings."""
        key = (id(view.schema), index)
        hit = self._branches.get(key)
        if hit is not None and hit[0] is view.schema:
            return hit[1]
        siblings = {k: v for k, v in view.schema.items() if k not in (*_CHOICES, "discriminator")}
        own = self.view(view.choices[index])
        flat = merge([own.schema, siblings]) if siblings else own.schema
        nullable = own.nullable and self.accepts_null(siblings)
        result = View(flat, nullable, own.name or view.name)
        self._branches[key] = (view.schema, result)
        return result

    def _flatten(self, schema: Schema, seen: tuple[str, ...]) -> tuple[Schema, str | None]:
        if "$ref" not in schema and "allOf" not in schema:
            return schema, None
        parts: list[Schema] = []
        name: str | None = None
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            target, inner = self._flatten(self.resolve(ref), (*seen, ref))
            parts.append(target)
            name = inner or ref.rsplit("/", 1)[-1]
        for sub in schema.get("allOf") or ():
            flat, inner = self._flatten(sub, seen)
            parts.append(flat)
            name = name or inner
        own = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
        if own:
            parts.append(own)
        return merge(parts), name

    def accepts_null(self, schema: Schema, seen: tuple[str, ...] = ()) -> bool:
        """Whether null validates, by OpenAPI 3.0 rules (`nullable` only counts beside `type`)."""
        ref = schema.get("$ref")
        if (
            isinstance(ref, str)
            and ref not in seen
            and not self.accepts_null(self.resolve(ref), (*seen, ref))
        ):
            return False
        if "type" in schema and schema.get("nullable") is not True:
            return False
        enum = schema.get("enum")
        if isinstance(enum, list) and None not in enum:
            return False
        if not all(self.accepts_null(sub, seen) for sub in schema.get("allOf") or ()):
            return False
        one_of = schema.get("oneOf")
        if one_of and sum(self.accepts_null(sub, seen) for sub in one_of) != 1:
            return False
        any_of = schema.get("anyOf")
        if any_of and not any(self.accepts_null(sub, seen) for sub in any_of):
            return False
        not_schema = schema.get("not")
        return not (isinstance(not_schema, Mapping) and self.accepts_null(not_schema, seen))


def merge(parts: Sequence[Schema]) -> Schema:
    """Combine the keywords of schemas that must all hold (the parts of an allOf)."""
    if len(parts) == 1:
        return parts[0]
    out: dict[str, Any] = {}
    for part in parts:
        for keyword, value in part.items():
            out[keyword] = _combine(keyword, out[keyword], value) if keyword in out else value
    return out


def _combine(keyword: str, first: Any, second: Any) -> Any:
    """The tighter of two values of the same keyword; the first one wins where neither is."""
    if keyword == "properties":
        combined = dict(first)
        for name, schema in second.items():
            same = name not in combined or combined[name] is schema
            combined[name] = schema if same else {"allOf": [combined[name], schema]}
        return combined
    if keyword == "required":
        return [*first, *(name for name in second if name not in first)]
    if keyword == "enum":
        return [value for value in first if value in second]
    if keyword in _LOWER_BOUNDS:
        return max(first, second)
    if keyword in _UPPER_BOUNDS:
        return min(first, second)
    if keyword in ("readOnly", "writeOnly", "uniqueItems", "exclusiveMinimum", "exclusiveMaximum"):
        return first is True or second is True
    if keyword == "additionalProperties":
        if False in (first, second):
            return False
        return first if isinstance(first, Mapping) else second
    return first
