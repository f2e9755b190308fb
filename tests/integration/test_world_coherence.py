"""One world behind every list: identity, time, counts and empty states hold over a full crawl."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from world_crawl import CrawlReport, check_object, crawl

from mock_server.app import MockApplication
from mock_server.settings import Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

CLOCK = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def report(make_client: Callable[[Any], ASGIClient]) -> CrawlReport:
    app = MockApplication(Settings())
    return crawl(app, make_client(app.asgi))


def test_the_crawl_sees_the_whole_world(report: CrawlReport) -> None:
    assert report.requests >= 450
    assert report.records >= 2000
    assert report.fields_checked >= 2000
    assert report.references >= 300
    assert report.item_keys >= 250


@pytest.mark.parametrize(
    "kind",
    [
        "foreign tenant",
        "course org",
        "tenant ids",
        "tenant names",
        "person emails",
        "person ids",
        "unknown person",
        "after the clock",
        "updated before created",
        "span backwards",
        "count",
        "new scope not empty",
        "invented singleton",
        "dangling reference",
        "not named back",
        "listed key refused",
        "made before what it names",
    ],
)
def test_no_answer_breaks_the_world(report: CrawlReport, kind: str) -> None:
    assert report.problems.get(kind, []) == []


def test_the_checks_find_what_an_incoherent_record_gets_wrong() -> None:
    report = CrawlReport()
    incoherent = {
        "platform_key": "acme",
        "platform": 7,
        "username": "ghost",
        "email": "ghost@example.com",
        "course_id": "course-v1:Other+CS1+2025",
        "created_at": "2026-03-01T00:00:00Z",
        "updated_at": "2026-02-01T00:00:00Z",
        "start_date": "2026-05-02",
        "end_date": "2026-05-01",
        "mentor_count": 232,
        "mentors": [1, 2],
        "reviewed_at": "2027-01-01T00:00:00Z",
    }
    check_object(report, incoherent, "x", "main", CLOCK, frozenset({"admin"}))
    check_object(
        report, {**incoherent, "platform": 8, "email": "g@x.org"}, "y", None, CLOCK, frozenset()
    )
    report.finish()
    assert set(report.problems) == {
        "foreign tenant",
        "course org",
        "tenant ids",
        "person emails",
        "unknown person",
        "after the clock",
        "updated before created",
        "span backwards",
        "count",
    }
