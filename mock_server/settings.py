"""Every option of the mock and its default, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from mock_server.fixtures.world import DEFAULT_WORLD_PATH
from mock_server.spec.loader import DEFAULT_SPEC_PATH

ENV_PREFIX = "IBL_MOCK_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    spec_path: Path = field(default=DEFAULT_SPEC_PATH)
    fixtures_path: Path = field(default=DEFAULT_WORLD_PATH)
    validate_responses: bool = False
    auth: str = "any"
    strict: bool = False
    cors: bool = True
    use_spec_cache: bool = True  # the on-disk cache of the parsed document and seeded world
    log_level: str = "info"
    populate_new_scopes: bool = False  # seed tenants and users the world file does not name
    clock: str = "2026-06-30T23:59:59Z"  # where the world's timeline ends (coherence.timeline)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then IBL_MOCK_* variables, then explicit overrides (the command line)."""
        values: dict[str, object] = {}
        for option in fields(cls):
            raw = os.environ.get(ENV_PREFIX + option.name.upper())
            if raw is not None:
                values[option.name] = _coerce(option.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _coerce(kind: object, raw: str) -> object:
    kind = str(kind)
    if kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind == "int":
        return int(raw)
    if kind == "Path":
        return Path(raw)
    return raw
