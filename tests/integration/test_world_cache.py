"""The seeded world read back from the on-disk cache is the world seeding makes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from mock_server.app import MockApplication
from mock_server.settings import Settings


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IBL_MOCK_CACHE_DIR", str(tmp_path))
    return tmp_path


def _worlds(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("world-*.json"))


def test_a_second_start_reads_the_world_the_first_one_seeded(
    cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeded = MockApplication(Settings(seed=3))
    (entry,) = _worlds(cache_dir)
    with caplog.at_level(logging.INFO, logger="ibl_mock"):
        restored = MockApplication(Settings(seed=3))
    # read from the entry, not seeded again over a refused one
    assert any(entry.name in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert orjson.dumps(restored.engine.store.dump()) == orjson.dumps(seeded.engine.store.dump())
    assert restored.engine.store.counts() == seeded.engine.store.counts()
    assert _worlds(cache_dir) == [entry]


def test_another_seed_or_no_cache_seeds_afresh(cache_dir: Path) -> None:
    MockApplication(Settings(seed=3))
    MockApplication(Settings(seed=4))
    assert len(_worlds(cache_dir)) == 2
    uncached = MockApplication(Settings(seed=5, use_spec_cache=False))
    assert len(_worlds(cache_dir)) == 2
    assert sum(uncached.engine.store.counts().values()) > 200


def test_a_damaged_world_entry_is_seeded_again(cache_dir: Path) -> None:
    first = MockApplication(Settings(seed=3))
    (entry,) = _worlds(cache_dir)
    entry.write_bytes(b'{"records": [')
    again = MockApplication(Settings(seed=3))
    assert again.engine.store.counts() == first.engine.store.counts()
    assert orjson.loads(entry.read_bytes())["records"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda dumped: {k: v for k, v in dumped.items() if k != "seeded"},  # loads part-way
        lambda dumped: {**dumped, "seeded": 7},
        lambda dumped: {**dumped, "records": [["Course", {}]]},
        lambda dumped: dumped["records"],
    ],
)
def test_a_misshapen_world_entry_is_reported_and_none_of_it_kept(
    cache_dir: Path, damage: Callable[[dict[str, Any]], Any], caplog: pytest.LogCaptureFixture
) -> None:
    first = MockApplication(Settings(seed=3))
    (entry,) = _worlds(cache_dir)
    entry.write_bytes(orjson.dumps(damage(orjson.loads(entry.read_bytes()))))
    with caplog.at_level(logging.WARNING, logger="ibl_mock"):
        again = MockApplication(Settings(seed=3))
    assert any(str(entry) in record.getMessage() for record in caplog.records), caplog.text
    assert again.engine.store.counts() == first.engine.store.counts()
    assert orjson.dumps(again.engine.store.dump()) == orjson.dumps(first.engine.store.dump())
