"""The synthesizer against the real ibl-data-manager document: validity, determinism, realism."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.protocols import Validator
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mock_server.spec import load_document
from mock_server.synthesis import Synthesizer

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/{org}/users/{user_id}/custom-instruction/"
CONTEXT = {
    "org": "acme",
    "user_id": "jdoe",
    "course_id": "course-v1:Acme+CS101+2025_T1",
    "mentor": "ada-tutor",
    "id": "42",
}


@cache
def document() -> dict[str, Any]:
    return load_document().document


@cache
def synthesizer(seed: int = 0) -> Synthesizer:
    return Synthesizer(document(), seed=seed)


@cache
def _resolver() -> Any:
    registry: Registry[Any] = Registry().with_resource(
        "urn:test", DRAFT202012.create_resource(document())
    )
    return registry.resolver(base_uri="urn:test")


def validator(schema: Mapping[str, Any], *, write: bool = False) -> Validator:
    cls = OAS30WriteValidator if write else OAS30ReadValidator
    result: Validator = cls(schema, _resolver=_resolver(), format_checker=oas30_format_checker)
    return result


def problems(schema: Mapping[str, Any], value: Any, *, write: bool = False) -> list[str]:
    return [
        f"{list(e.absolute_path)}: {e.message[:200]}"
        for e in validator(schema, write=write).iter_errors(value)
    ]


def success_media() -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(key, path, media object) for every 2xx response media type of every operation."""
    for path, item in document()["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                for media_type, media in (response.get("content") or {}).items():
                    yield f"{operation.get('operationId')}|{status}|{media_type}", path, media


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: CONTEXT.get(m.group(1), m.group(1)), path)


@pytest.mark.parametrize(("seed", "context"), [(0, CONTEXT), (1, None)])
def test_every_success_body_in_the_document_validates(
    seed: int, context: Mapping[str, str] | None
) -> None:
    synth = synthesizer(seed)
    failures, count = [], 0
    for key, path, media in success_media():
        count += 1
        body = synth.body(media, key=f"{key}|{concrete(path)}", context=context)
        if "schema" in media and (found := problems(media["schema"], body)):
            failures.append((key, found[:3]))
    assert count > 900
    assert failures == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(document()["components"]["schemas"])),
    seed=st.integers(min_value=0, max_value=2**32),
    key=st.text(max_size=30),
    direction=st.sampled_from(["response", "request"]),
)
def test_component_values_validate_for_any_seed_and_key(
    name: str, seed: int, key: str, direction: str
) -> None:
    schema = {"$ref": f"#/components/schemas/{name}"}
    value = Synthesizer(document(), seed=seed).value(
        schema,
        key=key,
        context={"org": "acme"},
        direction=direction,  # type: ignore[arg-type]
    )
    assert problems(schema, value, write=direction == "request") == []


def _sample() -> list[tuple[str, Mapping[str, Any]]]:
    return [(key, media) for key, _path, media in list(success_media())[::37]]


def _dump(synth: Synthesizer, keys: list[tuple[str, Mapping[str, Any]]]) -> list[bytes]:
    return [
        json.dumps(synth.body(m, key=k, context=CONTEXT), sort_keys=True).encode() for k, m in keys
    ]


def test_same_seed_and_key_give_identical_bytes_in_fresh_instances() -> None:
    sample = _sample()
    assert _dump(Synthesizer(document(), seed=3), sample) == _dump(
        Synthesizer(document(), seed=3), sample
    )


def test_a_different_seed_gives_different_data() -> None:
    sample = _sample()
    first, second = (
        _dump(Synthesizer(document(), seed=1), sample),
        _dump(Synthesizer(document(), seed=2), sample),
    )
    assert sum(a != b for a, b in zip(first, second, strict=True)) > len(sample) // 2


def test_other_calls_in_between_do_not_change_a_keys_output() -> None:
    sample = _sample()
    synth = Synthesizer(document())
    alone = _dump(synth, sample[:1])
    _dump(synth, sample[1:])
    synth.value({"type": "string"}, key="noise")
    assert _dump(synth, sample[:1]) == alone
    assert _dump(Synthesizer(document()), sample[1:][::-1])[::-1] == _dump(synth, sample[1:])


def test_a_field_keeps_its_value_when_a_sibling_changes() -> None:
    synth = Synthesizer({"paths": {}})
    small = {"type": "object", "properties": {"email": {"type": "string"}}}
    large = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
    }
    assert synth.value(small, key="k")["email"] == synth.value(large, key="k")["email"]


def test_output_is_the_same_in_another_process() -> None:
    """Another interpreter with another hash seed must produce the very same bytes."""
    script = (
        "import json, sys\n"
        "from mock_server.spec import load_document\n"
        "from mock_server.synthesis import Synthesizer\n"
        "doc = load_document().document\n"
        f"media = doc['paths'][{CUSTOM_INSTRUCTION!r}]['get']['responses']['200']"
        "['content']['application/json']\n"
        "s = Synthesizer(doc, seed=5)\n"
        "sys.stdout.write(json.dumps([s.body(media, key='k', context={'org': 'acme'}),"
        " s.value({'$ref': '#/components/schemas/PaginatedMentorList'}, key='k')],"
        " sort_keys=True))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_custom_instruction_examples_are_not_served() -> None:
    item = document()["paths"][CUSTOM_INSTRUCTION]
    for method, status in (("get", "200"), ("post", "201")):
        media = item[method]["responses"][status]["content"]["application/json"]
        declared = [e["value"] for e in media["examples"].values()]
        body = synthesizer().body(
            media, key=f"{method}|{status}", context={"org": "acme", "user_id": "jdoe"}
        )
        assert body not in declared
        assert not {"content", "username", "platform_key"} & set(body)
        assert problems(media["schema"], body) == []


def _component(name: str, context: Mapping[str, str] | None = None) -> Any:
    return synthesizer().value({"$ref": f"#/components/schemas/{name}"}, key=name, context=context)


def _all_named(value: Any, field: str) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == field:
                yield item
            yield from _all_named(item, field)
    elif isinstance(value, list):
        for item in value:
            yield from _all_named(item, field)


def _course_pattern() -> str:
    """The course-id pattern the document puts on its `{course_id}` path parameters."""
    for item in document()["paths"].values():
        for method in METHODS:
            for parameter in (item.get(method) or {}).get("parameters", []):
                if parameter.get("name") == "course_id" and "pattern" in parameter["schema"]:
                    return str(parameter["schema"]["pattern"])
    raise AssertionError("no course_id parameter with a pattern")


def test_realistic_values_in_document_schemas() -> None:
    emails = [
        v
        for n in ("UserDetail", "CurrentUsersResponse")
        for v in _all_named(_component(n), "email")
    ]
    assert emails and all(re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", e) for e in emails)
    created = [v for v in _all_named(_component("PaginatedMentorList"), "created_at") if v]
    assert created and all(datetime.fromisoformat(v).tzinfo is not None for v in created)
    pattern = _course_pattern()
    generated = [_component("Course")["course_id"]]
    generated += [
        synthesizer().value({"type": "string", "pattern": pattern}, key=str(i)) for i in range(5)
    ]
    for course_id in generated:
        assert re.match(pattern, course_id) and course_id.startswith("course-v1:"), course_id


def test_path_parameters_echo_into_document_bodies() -> None:
    mentor = _component("Mentor", {"org": "acme"})
    assert mentor["platform"] == "acme"
    media = next(
        m
        for k, _p, m in success_media()
        if k.startswith("ai_mentor_orgs_users_custom_instruction_retrieve")
    )
    assert "id" in synthesizer().body(media, key="k", context={"org": "acme"})
    course = _component("Course", {"org": "acme", "course_id": CONTEXT["course_id"]})
    assert course["org"] == "acme" and course["course_id"] == CONTEXT["course_id"]
