"""Read the OpenAPI document once, apply the load-time patches, cache the result on disk.

Parsing 2.7 MB of YAML costs seconds even with libyaml; the patched document as JSON loads in
tens of milliseconds. The cache is keyed by the document's sha256 and a digest of the patches'
code (not only their names), so an edited document or an edited patch never reads a stale entry.
A damaged entry is reported and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

try:  # a Rust YAML parser, nine times PyYAML's C loader on this document
    import ryaml
except ImportError:  # pragma: no cover - a platform without its wheel
    ryaml = None  # type: ignore[assignment]

from mock_server.spec import patches

# openapi/ibl-data-manager.yaml in a checkout (this is a link to it), the document itself once
# installed from a wheel.
DEFAULT_SPEC_PATH = Path(__file__).resolve().parent / "ibl-data-manager.yaml"
_CACHE_FORMAT = "2"
log = logging.getLogger("ibl_mock")


@dataclass(frozen=True)
class LoadedDocument:
    document: dict[str, Any]
    sha256: str
    path: Path
    patches_applied: dict[str, int] = field(default_factory=dict)
    from_cache: bool = False

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", "api"))

    @property
    def version(self) -> str:
        return str(self.document.get("info", {}).get("version", ""))


def default_cache_dir() -> Path:
    configured = os.environ.get("IBL_MOCK_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ibl-mock"


def _parse(raw: bytes, path: Path) -> dict[str, Any]:
    if path.suffix == ".json":
        parsed = orjson.loads(raw)
    elif ryaml is not None:
        parsed = ryaml.loads(raw.decode("utf-8"))
    else:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        parsed = yaml.load(raw, Loader=loader)
    if not isinstance(parsed, dict) or "paths" not in parsed:
        raise ValueError(f"{path} is not an OpenAPI document (no 'paths')")
    return parsed


def _cache_key(sha256: str) -> str:
    code = patches.patches_digest()
    digest = hashlib.sha256(f"{_CACHE_FORMAT}|{sha256}|{code}".encode()).hexdigest()
    return digest[:32]


def _read_cache(cache_file: Path) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The document and patch counts in `cache_file`, or None (with a warning) if damaged."""
    try:
        cached = orjson.loads(cache_file.read_bytes())
    except (orjson.JSONDecodeError, OSError) as error:
        log.warning("%s is damaged (%s): parsing the document again", cache_file, error)
        return None
    document = cached.get("document") if isinstance(cached, dict) else None
    applied = cached.get("patches_applied") if isinstance(cached, dict) else None
    names = [patch.name for patch in patches.PATCHES]
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("paths"), dict)
        or not isinstance(applied, dict)
        or list(applied) != names
        or not all(type(n) is int for n in applied.values())
    ):
        log.warning("%s is damaged (not a patched document): parsing it again", cache_file)
        return None
    return document, applied


def load_document(
    path: Path | str = DEFAULT_SPEC_PATH, *, cache_dir: Path | None = None, use_cache: bool = True
) -> LoadedDocument:
    """Parse and patch the document at `path`, through the on-disk cache when allowed."""
    path = Path(path)
    raw = path.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    cache_file = (cache_dir or default_cache_dir()) / f"{_cache_key(sha256)}.json"
    if use_cache and cache_file.is_file():
        cached = _read_cache(cache_file)
        if cached is not None:
            return LoadedDocument(cached[0], sha256, path, cached[1], from_cache=True)
    document = _parse(raw, path)
    applied = patches.apply_patches(document)
    if use_cache:
        payload = {"document": document, "patches_applied": applied}
        write_cache_file(cache_file, orjson.dumps(payload))
    return LoadedDocument(document, sha256, path, applied)


def write_cache_file(cache_file: Path, content: bytes) -> None:
    """Write atomically; a cache that cannot be written only costs speed."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(content)
        tmp.replace(cache_file)
    except OSError:
        pass
