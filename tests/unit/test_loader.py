"""Loading the document: parse, patch, and the on-disk cache that makes restarts fast."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from mock_server.app import MockApplication
from mock_server.spec import patches
from mock_server.spec.loader import DEFAULT_SPEC_PATH, default_cache_dir, load_document
from mock_server.spec.patches import PATCHES

TINY = """\
openapi: 3.0.3
info: {title: tiny, version: "1.2"}
paths:
  /search/:
    get:
      operationId: search
      parameters:
        - {name: q, in: query, schema: {type: string, default: "", minLength: 1}}
      responses: {"200": {description: ok}}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def _cache_entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*.json"))


def test_cache_round_trip(spec: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = load_document(spec, cache_dir=cache_dir)
    assert not first.from_cache
    assert (first.title, first.version) == ("tiny", "1.2")
    assert set(first.patches_applied) == {patch.name for patch in PATCHES}
    assert first.patches_applied["drop-defaults-that-violate-min-length"] == 1
    assert len(_cache_entries(cache_dir)) == 1
    assert not list(cache_dir.glob("*.tmp")), "the atomic write left its temporary file"

    second = load_document(spec, cache_dir=cache_dir)
    assert second.from_cache
    assert second.document == first.document
    assert second.sha256 == first.sha256
    assert second.patches_applied == first.patches_applied
    # What the cache holds is the patched document, not the raw one.
    parameter = second.document["paths"]["/search/"]["get"]["parameters"][0]
    assert parameter["schema"] == {"type": "string", "minLength": 1}


def test_a_changed_document_is_parsed_again(spec: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    before = load_document(spec, cache_dir=cache_dir)
    spec.write_text(TINY.replace('version: "1.2"', 'version: "1.3"'))
    after = load_document(spec, cache_dir=cache_dir)
    assert not after.from_cache
    assert after.version == "1.3"
    assert after.sha256 != before.sha256
    assert len(_cache_entries(cache_dir)) == 2
    assert load_document(spec, cache_dir=cache_dir).from_cache


def test_use_cache_false_neither_reads_nor_writes(spec: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    load_document(spec, cache_dir=cache_dir)
    loaded = load_document(spec, cache_dir=cache_dir, use_cache=False)
    assert not loaded.from_cache
    other = tmp_path / "other"
    load_document(spec, cache_dir=other, use_cache=False)
    assert not other.exists()


def test_an_unwritable_cache_directory_only_costs_speed(spec: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cache_dir = blocker / "cache"  # cannot be created, whoever runs the tests
    first = load_document(spec, cache_dir=cache_dir)
    second = load_document(spec, cache_dir=cache_dir)
    assert not first.from_cache and not second.from_cache
    assert second.document == first.document


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("list.yaml", "- a\n- b\n"),
        ("empty.yaml", ""),
        ("no-paths.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"),
        ("no-paths.json", '{"openapi": "3.0.3"}'),
        ("broken.json", "{"),
    ],
)
def test_a_file_that_is_not_an_openapi_document_is_a_value_error(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError):
        load_document(path, cache_dir=tmp_path / "cache")
    assert not _cache_entries(tmp_path / "cache")


def test_a_json_document_is_read_as_json(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_bytes(orjson.dumps({"openapi": "3.0.3", "info": {"title": "j"}, "paths": {}}))
    loaded = load_document(path, cache_dir=tmp_path / "cache")
    assert loaded.title == "j"
    assert loaded.document["paths"] == {}


def test_cache_directory_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IBL_MOCK_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("IBL_MOCK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "ibl-mock"


def test_the_default_document_is_ibl_data_manager(mock_app: MockApplication) -> None:
    assert mock_app.loaded.title == "ibl-data-manager"
    assert mock_app.loaded.version == "4.90.4-ai-plus"
    assert mock_app.loaded.path.name == "ibl-data-manager.yaml"


def test_a_damaged_cache_entry_is_rebuilt(spec: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    good = load_document(spec, cache_dir=cache_dir)
    (entry,) = _cache_entries(cache_dir)
    entry.write_bytes(b'{"document": {"pa')
    loaded = load_document(spec, cache_dir=cache_dir)
    assert loaded.document == good.document
    assert load_document(spec, cache_dir=cache_dir).from_cache


def test_the_fast_yaml_parser_reads_the_document_as_pyyaml_does() -> None:
    import ryaml
    import yaml

    raw = DEFAULT_SPEC_PATH.read_text(encoding="utf-8")
    assert ryaml.loads(raw) == yaml.load(raw, Loader=yaml.CSafeLoader)


def _changed_patch(monkeypatch: pytest.MonkeyPatch, apply: Callable[[dict[str, Any]], int]) -> None:
    """The first patch, same name, another body: as if its code were edited."""
    changed = (replace(patches.PATCHES[0], apply=apply), *patches.PATCHES[1:])
    monkeypatch.setattr(patches, "PATCHES", changed)


def test_a_changed_patch_under_the_same_name_parses_again(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    before = load_document(spec, cache_dir=cache_dir)

    def mark_title(document: dict[str, Any]) -> int:
        document["info"]["title"] = "patched"
        return 1

    _changed_patch(monkeypatch, mark_title)
    after = load_document(spec, cache_dir=cache_dir)
    assert not after.from_cache
    assert after.title == "patched" and before.title == "tiny"
    assert len(_cache_entries(cache_dir)) == 2
    assert load_document(spec, cache_dir=cache_dir).from_cache


def test_the_patches_digest_follows_their_code() -> None:
    def one(document: dict[str, Any]) -> int:
        return 1

    def two(document: dict[str, Any]) -> int:
        return 2

    first = (replace(patches.PATCHES[0], apply=one),)
    assert patches.patches_digest(first) == patches.patches_digest(first)
    assert patches.patches_digest(first) != patches.patches_digest(
        (replace(patches.PATCHES[0], apply=two),)
    )
    assert patches.patches_digest() != patches.patches_digest(first)


@pytest.mark.parametrize(
    "content",
    [
        b'{"document": {"paths": {',  # truncated
        b"[1, 2, 3]",
        b'{"document": {"info": {}}, "patches_applied": {}}',  # no paths
        b'{"document": {"paths": {}}, "patches_applied": ["a"]}',
        b'{"document": {"paths": {}}}',
        b'{"document": {"paths": {}}, "patches_applied": {"unknown-patch": 1}}',
    ],
)
def test_a_damaged_or_misshapen_entry_is_reported_and_rebuilt(
    spec: Path, tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir = tmp_path / "cache"
    good = load_document(spec, cache_dir=cache_dir)
    (entry,) = _cache_entries(cache_dir)
    entry.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="ibl_mock"):
        again = load_document(spec, cache_dir=cache_dir)
    assert not again.from_cache
    assert again.document == good.document
    assert again.patches_applied == good.patches_applied
    assert any(str(entry) in record.getMessage() for record in caplog.records), caplog.text
    assert load_document(spec, cache_dir=cache_dir).from_cache  # the rebuilt entry is good
