"""Pick the response's media type among those the operation declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.messages import JSON_MEDIA_TYPE


def choose_media_type(content: Mapping[str, Any], accept: str) -> str:
    """The first declared type the client asked for by name, else JSON, else the first declared.

    Wildcards in Accept (`*/*`, `application/*`) fall through to JSON: the published clients
    send `application/json` or nothing, and JSON is what every operation here declares first.
    """
    declared = list(content)
    asked = [part.split(";", 1)[0].strip().lower() for part in accept.split(",") if part.strip()]
    for media_type in asked:
        if media_type in content:
            return media_type
    if JSON_MEDIA_TYPE in content:
        return JSON_MEDIA_TYPE
    return declared[0]
