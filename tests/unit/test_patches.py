"""The vendored document is the published one, its one defect is known, and the patches fix it."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator

from mock_server.spec.loader import DEFAULT_SPEC_PATH
from mock_server.spec.patches import (
    PATCHES,
    apply_patches,
    declare_drf_bad_request,
    drop_defaults_that_violate_min_length,
)

PUBLISHED_SHA256 = "ccffbf0974d0f2ceb5d61afab37c27ad52491b45ff0cbf4074da58f44b8e2636"
DEFECTIVE_OPERATION = ("/api/catalog/search/programs/", "post")


@dataclass
class Validated:
    """The raw document and what openapi-spec-validator says before and after patching."""

    raw: dict[str, Any]
    errors_before: list[Any]
    patched: dict[str, Any]
    applied: dict[str, int]
    errors_after: list[Any]


@pytest.fixture(scope="module")
def validated() -> Validated:
    # Parsing takes over a second and validating a few seconds: done once for the module.
    raw = yaml.load(DEFAULT_SPEC_PATH.read_bytes(), Loader=yaml.CSafeLoader)
    errors_before = list(OpenAPIV30SpecValidator(raw).iter_errors())
    patched = orjson.loads(orjson.dumps(raw))
    applied = apply_patches(patched)
    errors_after = list(OpenAPIV30SpecValidator(patched).iter_errors())
    return Validated(raw, errors_before, patched, applied, errors_after)


def test_the_vendored_document_is_the_published_file() -> None:
    assert hashlib.sha256(DEFAULT_SPEC_PATH.read_bytes()).hexdigest() == PUBLISHED_SHA256


def test_the_published_document_has_exactly_the_one_known_error(validated: Validated) -> None:
    assert len(validated.errors_before) == 1
    error = validated.errors_before[0]
    assert error.validator == "minLength"
    assert error.instance == ""
    path, method = DEFECTIVE_OPERATION
    parameters = validated.raw["paths"][path][method]["parameters"]
    offending = [p["schema"] for p in parameters if p.get("schema", {}).get("default") == ""]
    assert len(offending) == 1
    assert error.schema is offending[0]
    assert offending[0] == {"type": "string", "default": "", "minLength": 1}


def test_the_patched_document_is_valid(validated: Validated) -> None:
    assert validated.errors_after == []
    assert set(validated.applied) == {patch.name for patch in PATCHES}
    assert all(count > 0 for count in validated.applied.values()), validated.applied
    assert validated.applied["drop-defaults-that-violate-min-length"] == 1
    path, method = DEFECTIVE_OPERATION
    query = next(
        p for p in validated.patched["paths"][path][method]["parameters"] if p["name"] == "query"
    )
    assert query["schema"] == {"type": "string", "minLength": 1}


def test_the_min_length_patch_changes_nothing_but_the_defect(validated: Validated) -> None:
    patched = orjson.loads(orjson.dumps(validated.raw))
    assert drop_defaults_that_violate_min_length(patched) == 1
    restored = copy.deepcopy(patched)
    path, method = DEFECTIVE_OPERATION
    for parameter in restored["paths"][path][method]["parameters"]:
        if parameter["name"] == "query":
            parameter["schema"]["default"] = ""
    assert restored == validated.raw


def test_each_patch_finds_its_defect_and_is_idempotent(validated: Validated) -> None:
    assert PATCHES
    assert len({patch.name for patch in PATCHES}) == len(PATCHES)
    document = orjson.loads(orjson.dumps(validated.raw))
    for patch in PATCHES:
        assert patch.why
        assert patch.apply(document) > 0, f"{patch.name} no longer finds its defect"
        assert patch.apply(document) == 0, f"{patch.name} is not idempotent"
    assert document == validated.patched
    assert apply_patches(document) == {patch.name: 0 for patch in PATCHES}


def test_min_length_patch_on_a_tiny_schema() -> None:
    document: dict[str, Any] = {
        "paths": {
            "/a/": {
                "get": {
                    "parameters": [
                        {"name": "q", "schema": {"type": "string", "default": "", "minLength": 1}},
                        {
                            "name": "ok",
                            "schema": {"type": "string", "default": "ab", "minLength": 2},
                        },
                        {"name": "free", "schema": {"type": "string", "default": ""}},
                        {"name": "n", "schema": {"type": "integer", "default": 0, "minLength": 1}},
                    ]
                }
            }
        },
        "components": {
            "schemas": {
                "Nested": {
                    "type": "object",
                    "properties": {"tag": {"type": "string", "default": "x", "minLength": 3}},
                }
            }
        },
    }
    assert drop_defaults_that_violate_min_length(document) == 2
    parameters = document["paths"]["/a/"]["get"]["parameters"]
    assert parameters[0]["schema"] == {"type": "string", "minLength": 1}
    assert parameters[1]["schema"]["default"] == "ab"
    assert parameters[2]["schema"]["default"] == ""
    assert parameters[3]["schema"]["default"] == 0
    tag = document["components"]["schemas"]["Nested"]["properties"]["tag"]
    assert tag == {"type": "string", "minLength": 3}
    assert drop_defaults_that_violate_min_length(document) == 0


def test_bad_request_is_declared_where_input_is_read_and_nowhere_else() -> None:
    ok = {"200": {"description": "ok"}}
    query = [{"name": "mentor_id", "in": "query", "schema": {"type": "string"}}]
    document: dict[str, Any] = {
        "paths": {
            "/filtered/": {"get": {"parameters": query, "responses": dict(ok)}},
            "/written/": {"post": {"requestBody": {"content": {}}, "responses": dict(ok)}},
            "/plain/{id}/": {
                "get": {"parameters": [{"name": "id", "in": "path"}], "responses": dict(ok)}
            },
            "/own/": {"post": {"requestBody": {}, "responses": {"400": {"description": "mine"}}}},
        }
    }
    assert declare_drf_bad_request(document) == 2
    paths = document["paths"]
    assert "400" in paths["/filtered/"]["get"]["responses"]
    assert "400" in paths["/written/"]["post"]["responses"]
    assert "400" not in paths["/plain/{id}/"]["get"]["responses"]
    assert paths["/own/"]["post"]["responses"]["400"] == {"description": "mine"}
    assert "DRFErrorBody" in document["components"]["schemas"]
