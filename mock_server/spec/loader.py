"""Read the OpenAPI document once, apply the load-time patches, cache the result on disk.

Parsing 2.7 MB of YAML costs seconds even with libyaml; the patched document as JSON loads in
tens of milliseconds. The cache is keyed by the document's sha256 and the patch set, so an
edited document or a changed patch list never reads a stale entry.
"""

from __future__ import annotations

import hashlib
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

from mock_server.spec.patches import PATCHES, apply_patches

DEFAULT_SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "ibl-data-manager.yaml"
_CACHE_FORMAT = "1"


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
    patch_names = ",".join(patch.name for patch in PATCHES)
    digest = hashlib.sha256(f"{_CACHE_FORMAT}|{sha256}|{patch_names}".encode()).hexdigest()
    return digest[:32]


def load_document(
    path: Path | str = DEFAULT_SPEC_PATH, *, cache_dir: Path | None = None, use_cache: bool = True
) -> LoadedDocument:
    """Parse and patch the document at `path`, through the on-disk cache when allowed."""
    path = Path(path)
    raw = path.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    cache_file = (cache_dir or default_cache_dir()) / f"{_cache_key(sha256)}.json"
    if use_cache and cache_file.is_file():
        try:
            cached = orjson.loads(cache_file.read_bytes())
            return LoadedDocument(
                cached["document"], sha256, path, cached["patches_applied"], from_cache=True
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, OSError):
            pass  # a damaged entry is rebuilt below
    document = _parse(raw, path)
    applied = apply_patches(document)
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
