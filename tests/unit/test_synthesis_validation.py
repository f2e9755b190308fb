"""Validators: one per schema, and a reference built afresh per request does not add one."""

from __future__ import annotations

import tracemalloc

import orjson

from mock_server.app import MockApplication
from mock_server.messages import MockRequest
from mock_server.synthesis.validation import Validators
from tests.unit.tiny_documents import doc, obj

DOCUMENT = doc(Thing=obj(name={"type": "string"}))


def test_fresh_reference_dicts_share_one_validator_and_are_not_kept() -> None:
    validators = Validators(DOCUMENT)
    validators.fits({"$ref": "#/components/schemas/Thing"}, {"name": "x"})
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            assert validators.fits({"$ref": "#/components/schemas/Thing"}, {"name": "x"})
            assert not validators.fits({"$ref": "#/components/schemas/Thing"}, {"name": 1})
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000, f"{grown} bytes kept for 4,000 temporary schemas"
    assert len(validators) == 1


def test_other_schemas_are_bounded() -> None:
    validators = Validators(DOCUMENT, size=16)
    for n in range(100):
        assert validators.fits({"type": "integer", "maximum": n}, n)
    assert len(validators) <= 16


def test_the_same_schema_object_reuses_its_validator() -> None:
    validators = Validators(DOCUMENT)
    schema = {"type": "string"}
    assert validators.get(schema) is validators.get(schema)
    assert validators.get(schema, "request") is not validators.get(schema)


def test_two_thousand_creates_do_not_grow_the_validators(mock_app: MockApplication) -> None:
    engine = mock_app.engine
    validators = engine.synthesizer._validators
    headers = {"authorization": "Api-Key test", "content-type": "application/json"}
    path = "/api/ai-mentor/orgs/main/users/alice/projects/"
    params = {"org": "main", "user_id": "alice"}

    def create(n: int) -> None:
        body = orjson.dumps({"name": f"soak {n}"})
        request = MockRequest("post", path, "http://testserver", params, (), headers, body)
        assert engine.handle("ai_mentor_orgs_users_projects_create", request).status == 201

    kept = engine.store.snapshot()  # the session's application: leave its store as it was
    try:
        for n in range(20):
            create(n)
        before = len(validators)
        for n in range(2000):
            create(n)
        assert len(validators) == before
    finally:
        engine.store.restore(kept)
