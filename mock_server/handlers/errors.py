"""Error bodies that honour the operation's own declared error schema.

The mock's errors are DRF's shapes (`{"detail": ...}`, `{"field": [...]}`). A few views of the
backend declare their own error body for a status (e.g. `{"status", "message", "details"}`);
there the DRF body is poured into that shape, so a client reading the documented fields finds the
message where the document says it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.messages import JSON_MEDIA_TYPE
from mock_server.spec.index import Operation, resolve_ref
from mock_server.synthesis import Synthesizer

MESSAGE_FIELDS = ("detail", "message", "error", "error_message", "msg")
DETAIL_FIELDS = ("details", "errors", "field_errors")


def shaped_error(
    document: Mapping[str, Any],
    synthesizer: Synthesizer,
    operation: Operation,
    status: int,
    body: dict[str, Any],
    path_params: Mapping[str, str],
) -> Any:
    """`body` itself when the operation declares no schema for `status` or `body` fits it."""
    declared = resolve_ref(document, operation.responses.get(str(status)) or {})
    media = (declared.get("content") or {}).get(JSON_MEDIA_TYPE)
    if not media or "schema" not in media or synthesizer.fits(media["schema"], body):
        return body
    shaped = synthesizer.body(
        media, key=f"{operation.operation_id}|{status}|error", context=path_params
    )
    if not isinstance(shaped, dict):
        return shaped
    filled = dict(shaped)
    properties = resolve_ref(document, media["schema"]).get("properties", {})
    for name in MESSAGE_FIELDS:
        if name in properties:
            filled[name] = summary(body)
    for name in DETAIL_FIELDS:
        if name in properties:
            filled[name] = body
    if "status" in properties:
        filled["status"] = "error"
    return filled if synthesizer.fits(media["schema"], filled) else shaped


def summary(body: Mapping[str, Any]) -> str:
    """One line for a DRF error body: its detail, or its first field message."""
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail
    for field, messages in body.items():
        if isinstance(messages, list) and messages:
            return f"{field}: {messages[0]}"
        if isinstance(messages, Mapping):
            return f"{field}: {summary(messages)}"
    return "Invalid input."
