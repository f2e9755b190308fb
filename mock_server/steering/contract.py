"""Whether an override's answer keeps the contract: its status declared, its body valid.

Bodies are checked with `Validators` (openapi-core's own validator classes, with its format
checker), so a body this accepts is one the server's response validation accepts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import Any

from jsonschema.exceptions import ValidationError

from mock_server.spec.index import Operation, resolve_ref
from mock_server.synthesis.validation import Validators

# HTTP forbids a body on these, whatever the document declares for them.
BODILESS_STATUSES = frozenset({204, 205, 304})
# Enough to fix a body by; a list of a thousand bad records is not read past the first few.
MAX_REPORTED = 3
MAX_MESSAGE = 200


def status_key(responses: Mapping[str, Any], status: int) -> str | None:
    """The key of `responses` that answers `status`: itself, its range (`2XX`), or `default`."""
    for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if key in responses:
            return key
    return None


def declared_statuses(operation: Operation) -> str:
    """`200, 400, 404` as a refusal lists them: codes in order, then ranges and `default`."""
    codes = sorted(int(key) for key in operation.responses if str(key).isdigit())
    others = sorted(str(key) for key in operation.responses if not str(key).isdigit())
    return ", ".join([*map(str, codes), *others]) or "none"


def json_media_type(content: Mapping[str, Any]) -> str | None:
    """`application/json` where declared, else the first `*/json` or `*+json` type."""
    if "application/json" in content:
        return "application/json"
    for media_type in content:
        essence = str(media_type).split(";", 1)[0].strip().lower()
        if essence.endswith("/json") or essence.endswith("+json"):
            return str(media_type)
    return None


class ResponseContract:
    def __init__(self, document: Mapping[str, Any], validators: Validators) -> None:
        self._document = document
        self._validators = validators

    def declares(self, operation: Operation, status: int) -> bool:
        return status_key(operation.responses, status) is not None

    def body_problems(self, operation: Operation, status: int, value: Any) -> list[str]:
        """What is wrong with `value` as the body of `status` of `operation`: [] when it is
        valid, or when the declared response has a body but no JSON schema to check it by."""
        if status in BODILESS_STATUSES:
            return [f"{status} answers no body: HTTP forbids one"]
        key = status_key(operation.responses, status)
        if key is None:
            return [f"{status} is not a declared response of {operation.operation_id}"]
        declared = resolve_ref(self._document, operation.responses[key])
        content: Mapping[str, Any] = declared.get("content") or {}
        if not content:
            return [f"the document declares no body for {status} of {operation.operation_id}"]
        media_type = json_media_type(content)
        schema = content[media_type].get("schema") if media_type is not None else None
        if not isinstance(schema, Mapping):
            return []
        validator = self._validators.get(schema, "response")
        # One more than is shown, to say that there are more.
        errors = list(islice(validator.iter_errors(value), MAX_REPORTED + 1))
        problems = [_describe(error) for error in errors[:MAX_REPORTED]]
        if len(errors) > MAX_REPORTED:
            problems.append("and more")
        return problems


def _describe(error: ValidationError) -> str:
    # As the engine words response problems: the field's path, then jsonschema's message.
    path = "/".join(str(part) for part in error.absolute_path) or "<body>"
    message = str(error.message)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return f"{path}: {message}"
