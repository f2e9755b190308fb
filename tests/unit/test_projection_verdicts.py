"""A plain object's verdict decided field by field is the response validator's verdict on the
whole object, for every plain object schema of the document (handlers/projection.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from mock_server.handlers.projection import Projector, _plain_object
from mock_server.spec import load_document
from mock_server.synthesis import Synthesizer


@cache
def judges() -> tuple[dict[str, Any], Synthesizer, Projector]:
    document = load_document().document
    synthesizer = Synthesizer(document)
    return document, synthesizer, Projector(document, synthesizer)


def _wrong(value: Any) -> Any:
    """A JSON value of another type than `value`'s."""
    return 12345 if isinstance(value, str) else "not-this"


def variants(value: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The valid value, and values a field away from it: one missing, one mistyped, one null,
    one unknown field added."""
    made = [value, {**value, "zz_unknown": [1]}]
    for name in list(schema.get("required", ()))[:2]:
        made.append({k: v for k, v in value.items() if k != name})
    for name in list(value)[:3]:
        made.append({**value, name: _wrong(value[name])})
        made.append({**value, name: None})
    return made


def plain_components() -> list[str]:
    document, _, _ = judges()
    schemas = document["components"]["schemas"]
    return [name for name, schema in schemas.items() if _plain_object(schema)]


def test_most_object_schemas_of_the_document_are_plain() -> None:
    assert len(plain_components()) > 700  # so the field-by-field path is the common one


@pytest.mark.parametrize("chunk", range(8))
def test_field_by_field_verdicts_are_the_validators(chunk: int) -> None:
    document, synthesizer, projector = judges()
    names = plain_components()[chunk::8]
    disagreements = []
    judged = 0
    for name in names:
        reference = {"$ref": f"#/components/schemas/{name}"}
        value = synthesizer.value(reference, key=name, context={})
        for candidate in variants(value, document["components"]["schemas"][name]):
            whole = synthesizer.fits(reference, candidate)
            by_field = projector._fits(reference, candidate)
            judged += 1
            if whole != by_field:
                disagreements.append((name, candidate, whole, by_field))
    assert judged > 5 * len(names)
    assert disagreements == []
