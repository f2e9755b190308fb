"""Framework-neutral request and response values passed between the pipeline's stages.

Only the web adapter (`app.py`) builds these from Starlette objects, so the core
(spec, validation, synthesis, handlers) can be exercised without a server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

JSON_MEDIA_TYPE = "application/json"


def encode_json(value: Any) -> bytes:
    """orjson, and the standard encoder for what orjson refuses: integers wider than 64 bits
    and lone surrogates, both of which a client can send and so get stored and echoed."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True)
class MockRequest:
    method: str  # lower case, as openapi-core expects
    path: str
    host_url: str  # scheme://host[:port], no trailing slash
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def query_values(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]


@dataclass
class MockResponse:
    """One planned answer: what to send, and how (the web adapter waits `delay` seconds
    first; a `fault` breaks the connection instead of sending it)."""

    status: int
    body: bytes = b""
    media_type: str | None = JSON_MEDIA_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fault: str | None = None  # "reset", "empty" or "malformed" (steering/plans.py FAULTS)
