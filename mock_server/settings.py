"""Every option of the mock and its default, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from mock_server.fixtures.world import DEFAULT_WORLD_PATH
from mock_server.spec.loader import DEFAULT_SPEC_PATH

ENV_PREFIX = "IBL_MOCK_"
DEFAULT_MAX_BODY = 10 * 1024 * 1024  # 4x Django's DATA_UPLOAD_MAX_MEMORY_SIZE: room for uploads

_SIZE = re.compile(r"\s*(\d+)\s*([kmg]i?b?|b)?\s*", re.IGNORECASE)
_ORIGIN = re.compile(r"https?://[^/\s]+")
_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def parse_size(text: str) -> int:
    """`10485760`, `5MB` (10**6), `10MiB` (2**20), `512k`: a byte count."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (e.g. 10485760, 5MB, 10MiB)")
    number, unit = int(match[1]), (match[2] or "").lower()
    prefix = unit[:1] if unit not in ("", "b") else ""
    scale = 1024 ** (" kmg".index(prefix)) if "i" in unit else _UNITS[prefix]
    return number * scale


def parse_names(text: str) -> tuple[str, ...]:
    """`a, b,c` → ("a", "b", "c"), lower case, empty names dropped."""
    return tuple(name.strip().lower() for name in text.split(",") if name.strip())


def parse_origins(text: str) -> tuple[str, ...]:
    """`https://app.example.com, http://localhost:3000/` → origins as browsers send them."""
    origins = tuple(name.rstrip("/") for name in parse_names(text))
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(f"{origin!r} is not an origin (e.g. http://localhost:3000)")
    return origins


def parse_latency(text: str) -> str | None:
    """`200` (ms) or `100-300` (a uniform spread), checked here; the engine reads it again."""
    from mock_server.steering import SteeringProblem, parse_delay  # light: pure modules

    if not text.strip():
        return None
    try:
        parse_delay(text, "latency")
    except SteeringProblem:
        raise ValueError(f"{text!r} is not a latency (e.g. 200 or 100-300, milliseconds)") from None
    return text.strip()


def parse_rate(text: str) -> float:
    """A fraction of requests, 0 to 1."""
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{text!r} is not a fraction between 0 and 1 (e.g. 0.05)")
    return rate


def parse_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0.0 <= seconds < 10**9:
        raise ValueError(f"{text!r} is not a number of seconds (e.g. 3600; 0: never)")
    return seconds


def parse_store_url(text: str) -> str | None:
    """`redis://HOST:PORT/DB` (or rediss://, unix://); empty: the in-memory store."""
    text = text.strip()
    if not text:
        return None
    if not re.match(r"(rediss?|unix)://", text):
        raise ValueError(f"{text!r} is not a Redis URL (e.g. redis://127.0.0.1:6379/0)")
    return text


def _parsed(parse: Callable[[str], object]) -> dict[str, object]:
    return {"parse": parse}


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
    max_body: int = field(default=DEFAULT_MAX_BODY, metadata=_parsed(parse_size))
    # Host names answered besides loopback names, the bound address and `testserver`; "*": any.
    allowed_hosts: tuple[str, ...] = field(default=(), metadata=_parsed(parse_names))
    # Origins (scheme://host[:port]) whose pages may call /__mock__/ besides the mock's own.
    control_origins: tuple[str, ...] = field(default=(), metadata=_parsed(parse_origins))
    # Origins whose pages may call the API; none: any origin (reflected, with credentials).
    cors_origins: tuple[str, ...] = field(default=(), metadata=_parsed(parse_origins))
    # An export (GET /__mock__/snapshots/{name}) to start from instead of the seeded world.
    state_path: Path | None = field(default=None, metadata=_parsed(Path))
    # When set, every /__mock__/ request must carry `X-Mock-Control-Key: <key>`.
    control_key: str | None = field(default=None, metadata=_parsed(lambda text: text or None))
    # Chaos: latency added to every API answer (ms, or LOW-HIGH) and a share of them failed.
    latency: str | None = field(default=None, metadata=_parsed(parse_latency))
    error_rate: float = field(default=0.0, metadata=_parsed(parse_rate))
    # Sessions unused for this many seconds are dropped (0: never); the default one never is.
    session_ttl: float = field(default=3600.0, metadata=_parsed(parse_seconds))
    # Where state outlives the process: a SQLite file (`--data`), or Redis (`--store redis://`).
    data_path: Path | None = field(default=None, metadata=_parsed(Path))
    store_url: str | None = field(default=None, metadata=_parsed(parse_store_url))
    workers: int = 1

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then IBL_MOCK_* variables, then explicit overrides (the command line)."""
        values: dict[str, object] = {}
        for option in fields(cls):
            raw = os.environ.get(ENV_PREFIX + option.name.upper())
            if raw is not None:
                parse = option.metadata.get("parse")
                values[option.name] = parse(raw) if parse else _coerce(option.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def as_env(self) -> dict[str, str | None]:
        """IBL_MOCK_* variables `from_env` reads back as these settings (None: unset), for the
        processes of `--workers N`."""
        env: dict[str, str | None] = {}
        for option in fields(self):
            value = getattr(self, option.name)
            if value is None:
                text = None
            elif isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = ",".join(value)
            elif isinstance(value, float):
                text = repr(value)
            else:
                text = str(value)
            env[ENV_PREFIX + option.name.upper()] = text
        return env

    def conflict(self) -> str | None:
        """Why these settings cannot serve together, if they cannot."""
        if self.workers < 1:
            return f"--workers {self.workers}: a number of processes, at least 1"
        if self.data_path is not None and self.store_url is not None:
            return (
                "--data and --store both say where state is kept: choose one (--data FILE for "
                "one process, --store redis://... to share state between workers)"
            )
        if self.workers > 1 and self.store_url is None:
            return (
                "--workers needs --store redis://...: in-memory and --data state live in one "
                "process"
            )
        return None


def _coerce(kind: object, raw: str) -> object:
    kind = str(kind)
    if kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind == "int":
        return int(raw)
    if kind == "Path":
        return Path(raw)
    return raw
