"""openapi-core findings rewritten as Django REST Framework would phrase them.

DRF answers a bad body with `{"field": ["message"]}` (nested serializers nest the dict, object-level
problems go under `non_field_errors`) and a bad request envelope with `{"detail": "..."}`.
The messages below are DRF's own default error messages, so a form built against the real
backend shows the same text against the mock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.validation.request.exceptions import MissingRequiredRequestBody

from mock_server.messages import MockRequest
from mock_server.spec.index import Operation
from mock_server.validation.decoding import NUL, null_character_paths

NOT_FOUND = {"detail": "Not found."}
NULL_CHARACTERS = "Null characters are not allowed."

_TYPE_MESSAGES = {
    "integer": "A valid integer is required.",
    "number": "A valid number is required.",
    "boolean": "Must be a valid boolean.",
    "string": "Not a valid string.",
}
_FORMAT_MESSAGES = {
    "date-time": "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
    "date": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
    "email": "Enter a valid email address.",
    "uri": "Enter a valid URL.",
    "uuid": "Must be a valid UUID.",
}


def drf_message(error: ValidationError) -> str:
    """DRF's wording for one JSON-schema finding."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        return "This field is required."
    if kind == "type" or (kind == "nullable" and instance is None):
        if instance is None:
            return "This field may not be null."
        if expected == "array":
            return f'Expected a list of items but got type "{type(instance).__name__}".'
        if expected == "object":
            return f'Expected a dictionary of items but got type "{type(instance).__name__}".'
        return _TYPE_MESSAGES.get(str(expected), "Invalid value.")
    if kind == "enum":
        return f'"{instance}" is not a valid choice.'
    if kind == "maxLength":
        return f"Ensure this field has no more than {expected} characters."
    if kind == "minLength":
        return (
            "This field may not be blank."
            if instance == ""
            else (f"Ensure this field has at least {expected} characters.")
        )
    if kind in ("maximum", "exclusiveMaximum"):
        return f"Ensure this value is less than or equal to {expected}."
    if kind in ("minimum", "exclusiveMinimum"):
        return f"Ensure this value is greater than or equal to {expected}."
    if kind == "maxItems":
        return f"Ensure this field has no more than {expected} elements."
    if kind == "minItems":
        return (
            "This list may not be empty."
            if not instance
            else (f"Ensure this field has at least {expected} elements.")
        )
    if kind == "format":
        return _FORMAT_MESSAGES.get(str(expected), "Enter a valid value.")
    if kind == "pattern":
        return "This value does not match the required pattern."
    return "Invalid value."


def field_errors(errors: Iterable[ValidationError]) -> dict[str, Any]:
    """Nest findings by the path of the offending field, DRF-style."""
    return nested_messages((_error_path(error), drf_message(error)) for error in errors)


def _error_path(error: ValidationError) -> list[str]:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = _missing_field(error)
        path.append(missing) if missing else None
    return path


def nested_messages(entries: Iterable[tuple[Sequence[str], str]]) -> dict[str, Any]:
    """`{"a": {"b": ["message"]}}` from (field path, message) pairs; no path: non_field_errors."""
    result: dict[str, Any] = {}
    for path, message in entries:
        path = list(path) or ["non_field_errors"]
        node = result
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # a message already stands at a parent
                break
            node = child
        else:
            messages = node.setdefault(path[-1], [])
            if isinstance(messages, list) and message not in messages:
                messages.append(message)
    return result


def null_character_errors(value: Any) -> dict[str, Any]:
    """DRF's CharField refusal of every string in the body that holds a NUL, by field."""
    return nested_messages((path, NULL_CHARACTERS) for path in null_character_paths(value))


def merged(first: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    """Both sets of field errors; where both name a field, the first's messages stand (DRF
    runs a field's validators only once the field's own checks pass)."""
    result = dict(first)
    for name, messages in then.items():
        if name not in result:
            result[name] = messages
        elif isinstance(result[name], dict) and isinstance(messages, dict):
            result[name] = merged(result[name], messages)
    return result


def _missing_field(error: ValidationError) -> str | None:
    # jsonschema says "'name' is a required property"; the name is the quoted part.
    message = error.message
    if message.startswith("'") and "' is a required property" in message:
        return message[1 : message.index("' is a required property")]
    return None


def _schema_errors(error: Exception) -> list[ValidationError]:
    cause = error.__cause__
    return list(getattr(cause, "schema_errors", None) or [])


def problem_from_body_error(error: Exception, request: MockRequest) -> tuple[int, dict[str, Any]]:
    if isinstance(error, MediaTypeNotFound) or isinstance(error.__cause__, MediaTypeNotFound):
        media_type = request.media_type or ""
        return 415, {"detail": f'Unsupported media type "{media_type}" in request.'}
    if isinstance(error, MissingRequiredRequestBody):
        return 400, {"non_field_errors": ["No data provided"]}
    schema_errors = _schema_errors(error)
    if schema_errors:
        if any(not e.absolute_path and e.validator == "type" for e in schema_errors):
            got = type(schema_errors[0].instance).__name__
            return 400, {
                "non_field_errors": [f"Invalid data. Expected a dictionary, but got {got}."]
            }
        return 400, field_errors(schema_errors)
    # openapi-core's message quotes the whole body: the answer names only the kind of failure.
    reason = type(error.__cause__ or error).__name__
    if "json" in request.media_type or not request.media_type:
        return 400, {"detail": f"JSON parse error - {reason}"}
    return 400, {"non_field_errors": [f"Malformed request - {reason}"]}


def problem_from_parameter_error(
    error: Exception, operation: Operation
) -> tuple[int, dict[str, Any]]:
    """A bad path segment is a 404 in Django; a bad query value is DRF's 400 with field errors."""
    name = getattr(error, "name", None)
    location = _parameter_location(operation, name)
    if location == "path":
        return 404, dict(NOT_FOUND)
    if name == "page":
        return 404, {"detail": "Invalid page."}  # DRF's paginator, not a field error
    schema_errors = _schema_errors(error)
    if name is None:
        return 400, {"detail": str(error)}
    if schema_errors:
        return 400, {name: [drf_message(e) for e in schema_errors]}
    if "Missing" in type(error).__name__:
        return 400, {name: ["This field is required."]}
    return 400, {name: [_cast_message(operation, name)]}


def parameter_null_characters(
    operation: Operation, request: MockRequest
) -> tuple[int, dict[str, Any]] | None:
    """A NUL in a declared parameter: Django's 404 in the path (nothing can be named so), and
    in the query the refusal django-filter's form fields (CharField) give."""
    refused: list[str] = []
    for parameter in operation.parameters:
        name, where = str(parameter.get("name")), parameter.get("in")
        if where == "path" and NUL in request.path_params.get(name, ""):
            return 404, dict(NOT_FOUND)
        values = request.query_values(name) if where == "query" and name not in refused else ()
        if any(NUL in value for value in values):
            refused.append(name)
    return (400, {name: [NULL_CHARACTERS] for name in refused}) if refused else None


def _parameter_location(operation: Operation, name: str | None) -> str | None:
    for parameter in operation.parameters:
        if parameter.get("name") == name:
            return str(parameter.get("in"))
    return None


def _cast_message(operation: Operation, name: str) -> str:
    for parameter in operation.parameters:
        if parameter.get("name") == name:
            schema: Mapping[str, Any] = parameter.get("schema", {})
            return _TYPE_MESSAGES.get(str(schema.get("type")), "Enter a valid value.")
    return "Enter a valid value."
