"""Stored records shown through an operation's declared response schema.

A record is kept in the shape of its resource's schema; an operation may answer a narrower or
wider schema for it (`MentorCreate`, `Mentor`, a list's item schema). The answer starts from a
synthesized value valid for the operation's schema and takes every stored field that the schema
declares and that fits its property schema, so the stored data shows wherever it may and the
answer stays valid against the document.

Projection synthesizes and validates, so it costs most of a list request. It is a pure function
of the schema, the key, the context and the record's content, and `Projector` remembers its
results under exactly those: a changed record is projected afresh. A remembered answer may
share nested values with its record, which is safe because handlers change a record by replacing
its field values, never by mutating them in place. Callers must not mutate what it returns
either (they copy before changing, as `render_state` does).

Checking a whole record against its schema is most of a projection's cost, and the same record
is checked again under another key (a create's answer, then the read that follows, then each
list page): the verdict is remembered by the schema and the checked value's bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from mock_server.memo import BoundedCache
from mock_server.spec.index import object_properties, resolve_ref
from mock_server.synthesis import Synthesizer

_MemoKey = tuple[int, str, tuple[tuple[str, str], ...], bytes]
_Keyed = tuple[_MemoKey, int]  # the key, and the size of the content it was made from
_Remembered = tuple[Mapping[str, Any], Any, int]  # the schema, the answer, its weight
# Remembered answers in all, weighed by the JSON of what they were made from (in memory an
# answer takes a few times its JSON). Every write makes a new entry and leaves the old one
# dead, so the budget is what a long run of writes fills: small enough to fill within the
# first minute of a soak, large enough for every page and item a benchmark mix reads.
MEMO_BYTES = 8 << 20
MEMO_ENTRIES = 4096
_ENTRY_OVERHEAD = 256


class Projector:
    """`project` and `Synthesizer.value`, remembered for the most recent answers."""

    def __init__(self, document: Mapping[str, Any], synthesizer: Synthesizer) -> None:
        self.document = document
        self.synthesizer = synthesizer
        # Entries hold their schema, so an `id` in a key is never that of a freed, reused dict;
        # answers are weighed by the JSON they were made from, within a memory budget.
        self._memo: BoundedCache[_MemoKey, _Remembered] = BoundedCache(
            MEMO_ENTRIES, max_bytes=MEMO_BYTES, weigh=lambda _key, entry: entry[2]
        )
        self._verdicts: BoundedCache[tuple[int, bytes], tuple[Any, bool]] = BoundedCache(16384)

    def project(
        self,
        schema: Mapping[str, Any],
        record: Mapping[str, Any],
        *,
        key: str,
        context: Mapping[str, str],
    ) -> Any:
        def compute() -> Any:
            return project(
                self.document,
                self.synthesizer,
                schema,
                record,
                key=key,
                context=context,
                fits=self._fits,
            )

        return self._remembered(schema, _memo_key(schema, key, context, record), compute)

    def synthesize(self, schema: Mapping[str, Any], *, key: str, context: Mapping[str, str]) -> Any:
        return self._remembered(
            schema,
            _memo_key(schema, key, context, None),
            lambda: self.synthesizer.value(schema, key=key, context=context),
        )

    def _fits(self, schema: Mapping[str, Any], value: Any) -> bool:
        # The component a `$ref` names: operations answer the same one under different refs.
        component = resolve_ref(self.document, schema)
        if isinstance(value, dict) and _plain_object(component):
            return self._fits_field_by_field(component, value)
        return self._fits_whole(component, schema, value)

    def _fits_field_by_field(self, component: Mapping[str, Any], value: dict[str, Any]) -> bool:
        """What the response validator decides for a plain object schema, decided one field
        at a time, so that the fields a new record shares with others (all but its id and
        times, in a create) are verdicts remembered rather than validated again."""
        properties: Mapping[str, Any] = component.get("properties", {})
        for name in component.get("required", ()):
            # openapi-schema-validator's read_required: a writeOnly field is not required
            if name not in value and not properties.get(name, {}).get("writeOnly", False):
                return False
        for name, field_value in value.items():
            field_schema = properties.get(name)
            if field_schema is None:
                continue
            # A bare `$ref` is judged as the component it names; anything else as itself.
            bare = len(field_schema) == 1 and "$ref" in field_schema
            owner = resolve_ref(self.document, field_schema) if bare else field_schema
            if not self._fits_whole(owner, field_schema, field_value):
                return False
        return True  # no additionalProperties keyword: other fields may be anything

    def _fits_whole(self, owner: Mapping[str, Any], schema: Mapping[str, Any], value: Any) -> bool:
        """`synthesizer.fits(schema, value)`, remembered under `owner` (what decides it) and
        the value's bytes."""
        try:
            content = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return self.synthesizer.fits(schema, value)
        verdict_key = (id(owner), _digest(content))
        found = self._verdicts.get(verdict_key)
        if found is not None and found[0] is owner:
            return found[1]
        verdict = self.synthesizer.fits(schema, value)
        self._verdicts.put(verdict_key, (owner, verdict))
        return verdict

    def _remembered(
        self, schema: Mapping[str, Any], memo_key: _Keyed | None, compute: Callable[[], Any]
    ) -> Any:
        if memo_key is None:
            return compute()
        key, size = memo_key
        found = self._memo.get(key)
        if found is not None and found[0] is schema:
            return found[1]
        value = compute()
        self._memo.put(key, (schema, value, size + _ENTRY_OVERHEAD))
        return value


# Keywords a plain object schema may carry besides `properties` and `required`: a dict fits
# it when each of its fields fits that field's schema and no required field is missing.
_PLAIN_OBJECT_KEYWORDS = frozenset(
    {"type", "properties", "required", "description", "title", "example", "nullable"}
)


def _plain_object(component: Mapping[str, Any]) -> bool:
    return component.get("type") == "object" and _PLAIN_OBJECT_KEYWORDS.issuperset(component)


def _memo_key(
    schema: Mapping[str, Any], key: str, context: Mapping[str, str], record: Any
) -> _Keyed | None:
    """The memo key (the record's content by digest) and the size of that content."""
    try:
        content = b"" if record is None else orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None  # not JSON (nothing the store keeps today): not remembered
    return (id(schema), key, tuple(sorted(context.items())), _digest(content)), len(content)


def _digest(content: bytes) -> bytes:
    return hashlib.blake2b(content, digest_size=16).digest()


def project(
    document: Mapping[str, Any],
    synthesizer: Synthesizer,
    schema: Mapping[str, Any],
    record: Mapping[str, Any],
    *,
    key: str,
    context: Mapping[str, str],
    fits: Callable[[Mapping[str, Any], Any], bool] | None = None,
) -> Any:
    """`record` through `schema`; `fits` checks a whole answer (the synthesizer's by default)."""
    fits = fits or synthesizer.fits
    properties = object_properties(document, schema)
    if (
        not properties
        and resolve_ref(document, schema).get("type") == "object"
        and fits(schema, record)
    ):
        return record  # a free-form object (`additionalProperties: {}`) shows the record whole
    if "pk" in properties and "pk" not in record and "id" in record:
        # DRF's `pk` is the primary key: an answer that shows `pk` shows the record's id, the
        # key its item path takes.
        record = {**record, "pk": record["id"]}
    readable = [n for n, s in properties.items() if not resolve_ref(document, s).get("writeOnly")]
    if readable and all(name in record for name in readable):
        # The record fills every field an answer shows, so nothing synthesized would show.
        whole = {
            name: _referenced(document, synthesizer, properties[name], record[name], key, name)
            for name in readable
        }
        if fits(schema, whole):
            return whole
    base = synthesizer.value(schema, key=key, context=context)
    if not isinstance(base, dict):
        return base
    shown = dict(base)
    for name, value in record.items():
        if name in properties:
            shown[name] = _referenced(document, synthesizer, properties[name], value, key, name)
    if fits(schema, shown):
        return shown
    # Some stored field does not fit this schema (a narrower enum, a nested shape): keep each
    # stored field that fits its own property schema, the synthesized value otherwise.
    fallback = dict(base)
    for name in record:
        if name in properties and synthesizer.fits(properties[name], shown[name]):
            fallback[name] = shown[name]
    return fallback if synthesizer.fits(schema, fallback) else base


def _referenced(
    document: Mapping[str, Any],
    synthesizer: Synthesizer,
    schema: Mapping[str, Any],
    value: Any,
    key: str,
    name: str,
) -> Any:
    """DRF writes a relation by id and may read it nested: show `3` as `{"id": 3, ...}`.

    Where the field's schema wants an object (or a list of them) and the stored value is an id
    (or a list of ids), the answer shows an object carrying that id; otherwise the value as is.
    """
    resolved = resolve_ref(document, schema)
    if isinstance(value, list) and resolved.get("type") == "array":
        items = resolved.get("items", {})
        return [_referenced(document, synthesizer, items, v, key, name) for v in value]
    if isinstance(value, dict | list) or value is None:
        return value
    properties = object_properties(document, schema)
    id_field = next(
        (
            f
            for f in ("id", "unique_id", "uuid", "pk")
            if f in properties and synthesizer.fits(properties[f], value)
        ),
        None,
    )
    if id_field is None:
        return value
    nested = synthesizer.value(schema, key=f"{key}|{name}|{value}")
    if not isinstance(nested, dict):
        return value
    nested[id_field] = value
    return nested if synthesizer.fits(schema, nested) else value
