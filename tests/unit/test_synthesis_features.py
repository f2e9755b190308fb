"""One test per generation feature, each on a tiny inline document."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import pytest
from faker.providers.lorem.en_US import Provider as LoremProvider
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mock_server.synthesis import Synthesizer
from mock_server.synthesis.prose import load_vocabulary

LOREM_WORDS = LoremProvider.word_list
KEYS = [f"op|200|/k/{i}" for i in range(12)]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
COURSE_PATTERN = r"^((\w*)-(\w*):[^+]+(|\+)[^+]+(|\+)\+\w+)$"


def doc(**schemas: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "paths": {}, "components": {"schemas": schemas}}


def errors(
    document: Mapping[str, Any], schema: Mapping[str, Any], value: Any, *, write: bool = False
) -> list[str]:
    """Validate as openapi-core does, independently of the synthesizer's own validators."""
    registry: Registry[Any] = Registry().with_resource(
        "urn:t", DRAFT202012.create_resource(document)
    )
    cls = OAS30WriteValidator if write else OAS30ReadValidator
    validator = cls(
        schema, _resolver=registry.resolver(base_uri="urn:t"), format_checker=oas30_format_checker
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def values(
    schema: Mapping[str, Any],
    document: Mapping[str, Any] | None = None,
    *,
    direction: str = "response",
    context: Mapping[str, str] | None = None,
) -> list[Any]:
    """Values for several keys, each checked against the schema."""
    document = document or doc()
    synth = Synthesizer(document)
    out = []
    for key in KEYS:
        value = synth.value(schema, key=key, context=context, direction=direction)  # type: ignore[arg-type]
        assert errors(document, schema, value, write=direction == "request") == [], value
        out.append(value)
    return out


@pytest.mark.parametrize(
    ("schema", "python_type"),
    [
        ({"type": "string"}, str),
        ({"type": "integer"}, int),
        ({"type": "number"}, float),
        ({"type": "boolean"}, bool),
        ({"type": "array", "items": {"type": "string"}}, list),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, dict),
    ],
)
def test_basic_types(schema: dict[str, Any], python_type: type) -> None:
    assert all(type(v) is python_type for v in values(schema))


def test_nullable_gives_real_values() -> None:
    assert None not in values({"type": "string", "nullable": True})


def test_null_when_it_is_the_only_possibility() -> None:
    document = doc(NullEnum={"enum": [None]})
    assert values({"$ref": "#/components/schemas/NullEnum"}, document) == [None] * len(KEYS)


def test_enum_prefers_real_members() -> None:
    schema = {"type": "string", "nullable": True, "enum": ["draft", "live", None, ""]}
    picked = values(schema)
    assert set(picked) <= {"draft", "live"} and len(set(picked)) == 2
    assert set(values({"enum": ["", None]})) <= {"", None}


def test_default_is_not_preferred() -> None:
    picked = values({"type": "string", "default": "x"}) + values({"type": "integer", "default": 0})
    assert any(v not in ("x", 0) for v in picked)


def test_all_of_merges_properties_and_required() -> None:
    document = doc(
        Base={"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    )
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"type": "object", "properties": {"tag": {"type": "string"}}, "required": ["tag"]},
        ]
    }
    for value in values(schema, document):
        assert isinstance(value["id"], int) and isinstance(value["tag"], str)


def test_one_of_matches_exactly_one_branch() -> None:
    # An int matches both `number` and `integer`, so only a float satisfies this oneOf.
    schema = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert all(isinstance(value, float) for value in values(schema))


def test_one_of_prefers_real_values_over_null_and_blank() -> None:
    document = doc(
        Kind={"type": "string", "enum": ["a", "b"]},
        BlankEnum={"enum": [""]},
        NullEnum={"enum": [None]},
    )
    refs = [{"$ref": f"#/components/schemas/{n}"} for n in ("BlankEnum", "NullEnum", "Kind")]
    assert set(values({"nullable": True, "oneOf": refs}, document)) <= {"a", "b"}


def test_any_of_picks_a_valid_branch() -> None:
    schema = {"anyOf": [{"type": "string", "format": "email"}, {"type": "boolean"}]}
    assert {type(v) for v in values(schema)} <= {str, bool}


def test_ref_is_resolved_lazily_and_cached() -> None:
    document = doc(
        Pet={"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    )
    synth = Synthesizer(document)
    ref = "#/components/schemas/Pet"
    assert isinstance(synth.value({"$ref": ref}, key="k")["name"], str)
    index = synth._index
    assert index.resolve(ref) is index.resolve(ref) is document["components"]["schemas"]["Pet"]


def test_date_time_and_date_formats() -> None:
    for value in values({"type": "string", "format": "date-time"}):
        assert RFC3339.match(value) and datetime.fromisoformat(value).tzinfo is not None
        assert datetime.fromisoformat(value).year in (2024, 2025, 2026)
    for value in values({"type": "string", "format": "date"}):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)


def test_uri_email_uuid_formats() -> None:
    for value in values({"type": "string", "format": "uri"}):
        parsed = urlparse(value)
        assert parsed.scheme in ("http", "https") and parsed.netloc
    for value in values({"type": "string", "format": "email"}):
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", value)
    for value in values({"type": "string", "format": "uuid"}):
        assert uuid.UUID(value).version == 4


def test_numeric_formats() -> None:
    assert all(isinstance(v, float) for v in values({"type": "number", "format": "double"}))
    assert all(isinstance(v, float) for v in values({"type": "number", "format": "float"}))
    for value in values({"type": "integer", "format": "int32", "minimum": -(2**40)}):
        assert -(2**31) <= value < 2**31
    assert all(isinstance(v, int) for v in values({"type": "integer", "format": "int64"}))


def test_decimal_and_binary_formats() -> None:
    pattern = r"^-?\d{0,4}(?:\.\d{0,1})?$"
    for value in values({"type": "string", "format": "decimal", "pattern": pattern}):
        assert re.match(pattern, value) and value not in ("", "-", ".")
    assert all(0 < len(v) <= 64 for v in values({"type": "string", "format": "binary"}))


def test_numeric_bounds() -> None:
    schema = {"type": "integer", "minimum": 10, "maximum": 20, "exclusiveMaximum": True}
    assert all(10 <= v < 20 for v in values(schema))
    schema = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1}
    assert all(0 < v <= 1 for v in values(schema))
    assert all(
        v % 7 == 0 and v >= 500
        for v in values({"type": "integer", "multipleOf": 7, "minimum": 500})
    )
    assert all(
        math.isclose(v / 0.5, round(v / 0.5)) for v in values({"type": "number", "multipleOf": 0.5})
    )


def test_string_lengths_truncate_real_text() -> None:
    for value in values({"type": "string", "maxLength": 12}):
        assert 0 < len(value) <= 12 and value == value.strip()
    assert all(len(v) >= 40 for v in values({"type": "string", "minLength": 40}))
    schema = {"type": "object", "properties": {"description": {"type": "string", "maxLength": 20}}}
    assert all(len(v["description"]) <= 20 for v in values(schema))


def test_patterns() -> None:
    for value in values({"type": "string", "pattern": COURSE_PATTERN}):
        assert re.match(r"^course-v1:[A-Za-z0-9]+\+[A-Z]+\d+\+\d{4}_T\d$", value), value
    for value in values({"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": 50}):
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", value), value
    # Nothing realistic fits this one: rstr must build it.
    assert all(
        re.fullmatch(r"[A-Z]{3}-\d{4}", v)
        for v in values({"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"})
    )


def test_array_bounds_and_uniqueness() -> None:
    assert all(1 <= len(v) <= 3 for v in values({"type": "array", "items": {"type": "integer"}}))
    bounded = {
        "type": "array",
        "items": {"type": "boolean"},
        "minItems": 2,
        "maxItems": 2,
        "uniqueItems": True,
    }
    assert all(sorted(v) == [False, True] for v in values(bounded))
    assert all(
        len(v) >= 5 for v in values({"type": "array", "items": {"type": "string"}, "minItems": 5})
    )


def test_min_properties() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 3}
    assert all(len(v) >= 3 for v in values(schema))


def test_read_only_and_write_only() -> None:
    schema = {
        "type": "object",
        "required": ["id", "password"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "password": {"type": "string", "writeOnly": True},
            "name": {"type": "string"},
        },
    }
    for value in values(schema):
        assert "password" not in value and "id" in value
    for value in values(schema, direction="request"):
        assert "id" not in value and "password" in value


def test_additional_properties() -> None:
    for value in values({"type": "object", "additionalProperties": True}):
        assert 1 <= len(value) <= 3 and all(re.fullmatch(r"[a-z]+", k) for k in value)
    for value in values({"type": "object", "additionalProperties": {"type": "integer"}}):
        assert 1 <= len(value) <= 3 and all(isinstance(v, int) for v in value.values())
    closed = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": False,
    }
    assert all(set(v) == {"a"} for v in values(closed))


def test_recursive_schema_terminates() -> None:
    document = doc(
        Node={
            "type": "object",
            "required": ["name", "children"],
            "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "parent": {"allOf": [{"$ref": "#/components/schemas/Node"}], "nullable": True},
                "next": {
                    "type": "object",
                    "nullable": True,
                    "properties": {"node": {"$ref": "#/components/schemas/Node"}},
                },
            },
        }
    )
    for value in values({"$ref": "#/components/schemas/Node"}, document):
        assert isinstance(value["children"], list)


def test_optional_properties_are_included() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    assert all(set(v) == {"a", "b"} for v in values(schema))


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("email", lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+", v)),
        ("contact_email", lambda v: "@" in v),
        ("created_at", lambda v: RFC3339.match(v)),
        ("website_url", lambda v: urlparse(v).scheme == "https" or urlparse(v).scheme == "http"),
        ("avatar", lambda v: urlparse(v).netloc and v.endswith((".png", ".jpg", ".webp"))),
        ("unique_id", lambda v: uuid.UUID(v).version == 4),
        ("slug", lambda v: re.fullmatch(r"[a-z]+(-[a-z]+)*", v)),
        ("first_name", lambda v: v.isalpha() and v[0].isupper()),
        ("color", lambda v: re.fullmatch(r"#[0-9a-f]{6}", v)),
        ("course_id", lambda v: re.match(COURSE_PATTERN, v) and v.startswith("course-v1:")),
        ("platform_key", lambda v: re.fullmatch(r"[a-z0-9]+", v)),
    ],
)
def test_name_heuristics(name: str, check: Any) -> None:
    schema = {"type": "object", "properties": {name: {"type": "string"}}}
    for value in values(schema):
        assert check(value[name]), value


def test_numeric_name_heuristics() -> None:
    schema = {
        "type": "object",
        "properties": {"count": {"type": "integer"}, "rating": {"type": "number"}},
    }
    for value in values(schema):
        assert 0 <= value["count"] <= 250 and 1 <= value["rating"] <= 5


def test_heuristics_yield_to_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "email": {"type": "string", "maxLength": 3},
            "created_at": {"type": "integer", "minimum": 5, "maximum": 6},
            "username": {"type": "string", "enum": ["only"]},
            "website_url": {"type": "string", "format": "date"},
            "id": {"type": "integer"},
        },
    }
    for value in values(schema):
        assert len(value["email"]) <= 3 and value["created_at"] in (5, 6)
        assert value["username"] == "only" and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", value["website_url"]
        )
        assert isinstance(value["id"], int) and value["id"] > 0


def test_path_parameters_are_echoed_where_they_validate() -> None:
    schema = {
        "type": "object",
        "properties": {
            "platform_key": {"type": "string"},
            "org": {"type": "integer"},
            "username": {"type": "string"},
            "user": {
                "type": "object",
                "properties": {
                    "user_id": {"type": "string"},
                    "tenant": {"type": "string", "maxLength": 2},
                },
            },
            "mentor_unique_id": {"type": "string"},
            "course_key": {"type": "string"},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"platform": {"type": "string"}}},
            },
        },
    }
    context = {
        "org": "acme",
        "user_id": "jdoe",
        "mentor": "m-1",
        "course_id": "course-v1:Acme+CS101+2025_T1",
    }
    for value in values(schema, context=context):
        assert value["platform_key"] == "acme" and isinstance(value["org"], int)
        assert value["username"] == "jdoe" and value["user"]["user_id"] == "jdoe"
        assert value["user"]["tenant"] != "acme"  # too long for maxLength 2
        assert value["mentor_unique_id"] == "m-1"
        assert value["course_key"] == "course-v1:Acme+CS101+2025_T1"
        assert all(item["platform"] == "acme" for item in value["items"])


def test_numeric_path_parameters_are_echoed_as_numbers() -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "skill": {"type": "integer"}},
    }
    for value in values(schema, context={"id": "42", "skill_id": "7"}):
        assert value == {"id": 42, "skill": 7}


def test_examples_used_only_when_valid_and_fully_declared() -> None:
    document = doc(
        Thing={
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "integer"}, "platform_key": {"type": "string"}},
        }
    )
    ref = {"$ref": "#/components/schemas/Thing"}
    synth = Synthesizer(document)
    good = {"id": 5, "platform_key": "main"}
    assert synth.body({"schema": ref, "example": good}, key="k") == good
    assert synth.body({"schema": ref, "examples": {"x": {"value": good}}}, key="k") == good
    echoed = synth.body({"schema": ref, "example": good}, key="k", context={"org": "acme"})
    assert echoed == {"id": 5, "platform_key": "acme"}
    for bad in ({"id": "five"}, {"id": 5, "content": "undeclared"}):
        served = synth.body({"schema": ref, "example": bad}, key="k")
        assert served != bad and errors(document, ref, served) == []
        assert set(served) <= {"id", "platform_key"}
    document["components"]["schemas"]["Thing"]["example"] = good
    assert Synthesizer(document).body({"schema": ref}, key="k") == good


def test_served_example_is_a_copy() -> None:
    example = {"id": 5, "tags": ["a"]}
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    }
    served = Synthesizer(doc()).body({"schema": schema, "example": example}, key="k")
    served["tags"].append("b")
    assert example == {"id": 5, "tags": ["a"]}


def test_name_is_a_person_only_on_person_like_objects() -> None:
    named = {"type": "object", "properties": {"name": {"type": "string"}}}
    synth = Synthesizer(doc(UserDetailResponse=named, CourseTopic=named))
    lorem = {word.lower() for word in LOREM_WORDS}
    topics = {s.name.lower() for s in load_vocabulary().subjects}
    topics |= {skill.lower() for s in load_vocabulary().subjects for skill in s.skills}
    for key in KEYS:
        user = synth.value({"$ref": "#/components/schemas/UserDetailResponse"}, key=key)["name"]
        topic = synth.value({"$ref": "#/components/schemas/CourseTopic"}, key=key)["name"]
        assert topic.lower() in topics, topic
        assert not {word.lower() for word in user.split()} <= lorem, user


def test_statuses_files_and_untyped_data_read_like_their_fields() -> None:
    video = {
        "type": "object",
        "properties": {
            "generation_status": {"type": "string"},
            "video_file": {"type": "string", "nullable": True},
            "data": {"nullable": True},
            "tone": {"type": "string"},
            "slug": {"type": "string"},
        },
        "required": ["generation_status", "video_file", "data", "tone", "slug"],
    }
    document = doc(Video=video)
    synthesizer = Synthesizer(document)
    for key in KEYS:
        value = synthesizer.value({"$ref": "#/components/schemas/Video"}, key=key)
        assert value["generation_status"] in ("active", "pending", "completed", "archived")
        assert re.fullmatch(r"https://files\.[\w.-]+/media/[a-z0-9-]+\.mp4", value["video_file"])
        assert value["data"] == {}
        assert value["tone"] in (
            "friendly",
            "professional",
            "encouraging",
            "neutral",
            "enthusiastic",
        )
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value["slug"])
