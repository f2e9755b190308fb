"""Form, multipart and JSON bodies read the way DRF's serializer fields read them.

HTML forms carry only strings. DRF's fields coerce them (`"false"` to False, `"3"` to 3, an
empty value to None where null is allowed), so the mock turns a form body into the JSON value
DRF would have seen and validates that against the operation's JSON schema. openapi-core's
own form decoding leaves multipart values as bytes and rejects every boolean sent that way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import orjson
from openapi_core.deserializing.media_types.util import data_form_loads, urlencoded_form_loads

from mock_server.messages import JSON_MEDIA_TYPE, MockRequest
from mock_server.spec.index import object_properties, resolve_ref
from mock_server.validation.decoding import MAX_DEPTH, BodyParseError, value_too_deep

FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BRACKETED = re.compile(r"^[^\[\]]+(\[[^\[\]]*\])+$")
_BRACKET_KEYS = re.compile(r"\[([^\[\]]*)\]")
_TRUE = {"true", "True", "TRUE", "1", "on", "yes", "y"}
_FALSE = {"false", "False", "FALSE", "0", "off", "no", "n"}


def form_as_json(
    document: Mapping[str, Any], content: Mapping[str, Any], request: MockRequest
) -> tuple[MockRequest, Any] | None:
    """The request with its form body rewritten as JSON, and that JSON value; None if the body
    is not a form. BodyParseError for a form nested deeper than a JSON body may be."""
    if request.media_type not in FORM_MEDIA_TYPES or JSON_MEDIA_TYPE not in content:
        return None
    media = content.get(request.media_type) or content[JSON_MEDIA_TYPE]
    value = _coerce_node(document, media.get("schema", {}), _nest(_parse(request)))
    if value_too_deep(value):  # field values may hold JSON text, parsed above
        raise BodyParseError(f"Nesting deeper than {MAX_DEPTH} levels is not accepted.")
    # The standard encoder: a form may carry integers wider than 64 bits, which DRF accepts.
    body = json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    headers = {**request.headers, "content-type": JSON_MEDIA_TYPE}
    return replace(request, headers=headers, body=body), value


def numbers_as_strings(
    document: Mapping[str, Any], content: Mapping[str, Any], request: MockRequest, value: Any
) -> tuple[MockRequest, Any] | None:
    """The JSON request, and its JSON `value`, with numbers sent for string fields turned to
    text, or None if there were none.

    DRF's CharField (and the choice, slug, UUID and decimal fields drf-spectacular documents as
    strings) accepts an integer or a float and keeps `str()` of it; only booleans and containers
    are "Not a valid string.". Clients, and links between answers, send ids that way.
    """
    media = content.get(request.media_type)
    if request.media_type != JSON_MEDIA_TYPE or not isinstance(media, Mapping):
        return None
    changed = _stringify(document, media.get("schema", {}), value)
    if changed is value:
        return None
    body = json.dumps(changed, ensure_ascii=False, allow_nan=False).encode()
    return replace(request, body=body), changed


def _stringify(document: Mapping[str, Any], schema: Mapping[str, Any], value: Any) -> Any:
    """`value` with numbers under string-only schemas as text; `value` itself if none were."""
    schema = resolve_ref(document, schema)
    if isinstance(value, dict):
        properties = object_properties(document, schema)
        new = {k: _stringify(document, properties.get(k, {}), v) for k, v in value.items()}
        return value if all(new[k] is value[k] for k in value) else new
    if isinstance(value, list):
        items = schema.get("items", {}) if schema.get("type") == "array" else {}
        new_items = [_stringify(document, items, v) for v in value]
        return value if all(a is b for a, b in zip(new_items, value, strict=True)) else new_items
    if isinstance(value, int | float) and not isinstance(value, bool):
        declared = _allowed_types(document, schema) if _declares_type(document, schema) else set()
        if "string" in declared and not declared & {"integer", "number"}:
            return str(value)
    return value


def _declares_type(document: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    schema = resolve_ref(document, schema)
    branches = [b for key in ("allOf", "oneOf", "anyOf") for b in schema.get(key, [])]
    return "type" in schema or any(_declares_type(document, b) for b in branches)


def _nest(fields: dict[str, list[str]]) -> dict[str, Any]:
    """`task[crontab][hour]=3` becomes {"task": {"crontab": {"hour": ["3"]}}}."""
    nested: dict[str, Any] = {}
    for name, values in fields.items():
        keys = [name]
        if _BRACKETED.match(name):
            keys = [name[: name.index("[")], *_BRACKET_KEYS.findall(name)]
            if len(keys) > MAX_DEPTH:  # the coercion below recurses once a level
                raise BodyParseError(f"Nesting deeper than {MAX_DEPTH} levels is not accepted.")
        node = nested
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[keys[-1]] = values
    return nested


def _parse(request: MockRequest) -> dict[str, list[str]]:
    parameters = dict(
        part.strip().split("=", 1) for part in request.content_type.split(";")[1:] if "=" in part
    )
    parameters = {key.lower(): value.strip('"') for key, value in parameters.items()}
    if request.media_type == "multipart/form-data":
        parsed = data_form_loads(request.body, **parameters)
    else:
        parsed = urlencoded_form_loads(request.body, **parameters)
    fields: dict[str, list[str]] = {}
    for name, raw in parsed.items(multi=True):  # type: ignore[call-arg]
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        fields.setdefault(name, []).append(text)
    return fields


def _allowed_types(document: Mapping[str, Any], schema: Mapping[str, Any]) -> set[str]:
    schema = resolve_ref(document, schema)
    allowed: set[str] = set()
    if "type" in schema:
        allowed.add(str(schema["type"]))
    if schema.get("nullable") or None in schema.get("enum", ()):
        allowed.add("null")
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key, []):
            allowed |= _allowed_types(document, branch)
    for member in schema.get("enum", []):
        allowed.add(_json_type(member))
    return allowed or {"string"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _coerce_node(document: Mapping[str, Any], schema: Mapping[str, Any], node: Any) -> Any:
    schema = resolve_ref(document, schema)
    if isinstance(node, dict):
        properties = object_properties(document, schema)
        return {key: _coerce_node(document, properties.get(key, {}), v) for key, v in node.items()}
    allowed = _allowed_types(document, schema)
    if "array" in allowed:
        if len(node) == 1 and "null" in allowed and node[0] in ("", "null"):
            return None
        if len(node) == 1 and node[0].startswith("["):
            parsed = _json_or(node[0], None)
            if isinstance(parsed, list):
                return parsed
        items = schema.get("items", {})
        return [_coerce(document, items, _allowed_types(document, items), v) for v in node]
    return _coerce(document, schema, allowed, node[-1])


def _coerce(
    document: Mapping[str, Any], schema: Mapping[str, Any], allowed: set[str], value: str
) -> Any:
    if "null" in allowed and value in ("", "null") and _null_meant(document, schema, value):
        return None
    if "boolean" in allowed and (value in _TRUE or value in _FALSE):
        return value in _TRUE
    if "integer" in allowed and _is_integer(value):
        return int(value)
    if "number" in allowed and _is_number(value):
        return float(value)
    if allowed & {"object", "array"} and value[:1] in ("{", "["):
        return _json_or(value, value)
    return value


def _null_meant(document: Mapping[str, Any], schema: Mapping[str, Any], value: str) -> bool:
    """An empty or `null` form value means null, unless a plain string field can hold it."""
    schema = resolve_ref(document, schema)
    plain_string = schema.get("type") == "string" and not (
        schema.get("format") or schema.get("enum") or schema.get("pattern")
    )
    return not plain_string or (value == "" and bool(schema.get("minLength")))


def _is_integer(value: str) -> bool:
    digits = value[1:] if value[:1] in "+-" else value
    return digits.isdigit()


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


def _json_or(value: str, fallback: Any) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return fallback
