"""The journal: what an entry keeps of a request, its bounds, and how it is queried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from mock_server.handlers.journal import (
    MASK,
    Journal,
    JournalFilter,
    journal_body,
    masked,
)
from mock_server.messages import MockRequest


def _request(
    method: str = "get",
    path: str = "/p/",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> MockRequest:
    return MockRequest(method, path, "", headers=headers or {}, body=body)


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [
        ("authorization", "Api-Key abc123", f"Api-Key {MASK}"),
        ("authorization", "Token  abc def", f"Token {MASK}"),
        ("authorization", "abc123", MASK),  # no scheme word: all of it may be the secret
        ("proxy-authorization", "Basic dXNlcjpwYXNz", f"Basic {MASK}"),
        ("cookie", "sessionid=abc; csrftoken=def", MASK),
        ("x-mock-control-key", "k", MASK),
        ("cookie", "", ""),
        ("accept", "application/json", "application/json"),
    ],
)
def test_credentials_are_masked(name: str, value: str, kept: str) -> None:
    assert masked(name, value) == kept


@pytest.mark.parametrize(
    ("body", "media_type", "kept"),
    [
        (b"", "application/json", None),
        (b'{"a": [1, 2]}', "application/json", {"a": [1, 2]}),
        (b'{"a": 1}', "application/scim+json", {"a": 1}),
        (b"[1, 2", "application/json", "[1, 2"),  # not JSON: kept as text
        (b'{"a": NaN}', "application/json", '{"a": NaN}'),
        (b'{"a": 1}', "text/plain", '{"a": 1}'),
        (b"a=1&b=2", "application/x-www-form-urlencoded", "a=1&b=2"),
        ("café".encode(), "text/plain", "café"),
        (b"\x89PNG\r\n\x1a\n\xff", "image/png", "<9 bytes, image/png>"),
        (b"\xff", "", "<1 bytes, no content type>"),
    ],
)
def test_a_body_is_kept_as_json_text_or_a_note(body: bytes, media_type: str, kept: object) -> None:
    assert journal_body(body, media_type) == kept


def test_a_long_body_is_clipped_even_when_a_character_is_cut() -> None:
    text = "é" * 5000  # two bytes each: the prefix read ends mid-character
    kept = journal_body(text.encode(), "text/plain", limit=100)
    assert kept == "é" * 99 + "…"
    long_json = b'{"a": "' + b"x" * 500 + b'"}'
    assert journal_body(long_json, "application/json", limit=100) == long_json[:99].decode() + "…"
    assert journal_body(b"\xff" + b"x" * 1000, "text/plain", limit=10) == (
        "<1001 bytes, text/plain>"
    )


def test_an_entry_carries_id_headers_and_body() -> None:
    journal = Journal()
    journal.record(
        _request(
            "post",
            headers={"authorization": "Token t0k3n", "content-type": "application/json"},
            body=b'{"name": "x"}',
        ),
        "op",
        201,
        [],
    )
    journal.record(_request(), None, 404, ["Not found."])
    second, first = journal.entries()
    assert (first["id"], second["id"]) == (1, 2)
    assert first["headers"] == {
        "authorization": f"Token {MASK}",
        "content-type": "application/json",
    }
    assert first["body"] == {"name": "x"}
    assert (second["body"], second["headers"]) == (None, {})
    assert "t0k3n" not in orjson.dumps(journal.entries()).decode()


def test_headers_and_bodies_count_against_the_bounds() -> None:
    journal = Journal(size=200, max_chars=50_000, field_chars=2048)
    headers = {f"x-h{i}": "v" * 1000 for i in range(20)}
    request = _request("post", headers=headers, body=b"b" * 10_000)
    for _ in range(100):
        journal.record(request, "op", 200, [])
    entries = journal.entries()
    assert sum(len(k) + len(v) for k, v in entries[0]["headers"].items()) <= 2048
    assert len(entries[0]["body"]) <= 2048
    assert journal.chars <= 50_000
    assert len(orjson.dumps(entries)) <= 50_000
    assert 5 < len(entries) < 100  # bytes, not entries, bound it


def test_the_filters() -> None:
    journal = Journal()
    journal.record(_request("get", "/api/a/"), "read_a", 200, [])
    journal.record(_request("post", "/api/a/"), "create_a", 400, ["bad"])
    journal.record(_request("get", "/api/b/"), None, 404, [])
    journal.record(_request("delete", "/other/"), "drop", 204, [])

    def paths(**wanted: object) -> list[str]:
        _, entries = journal.select(JournalFilter(**wanted))  # type: ignore[arg-type]
        return [entry["path"] for entry in entries]

    assert paths() == ["/other/", "/api/b/", "/api/a/", "/api/a/"]
    assert paths(operation="create_a") == ["/api/a/"]
    assert paths(method="Get") == ["/api/b/", "/api/a/"]
    assert paths(path="/api/a/") == ["/api/a/", "/api/a/"]
    assert paths(path="/api/*") == ["/api/b/", "/api/a/", "/api/a/"]
    assert paths(path="*") == paths()
    assert paths(status="404") == ["/api/b/"]
    assert paths(status="4xx") == ["/api/b/", "/api/a/"]
    assert paths(status="2XX") == ["/other/", "/api/a/"]
    now = datetime.now(UTC)
    assert len(paths(since=now - timedelta(minutes=1))) == 4
    assert paths(since=now + timedelta(minutes=1)) == []
    naive = (now + timedelta(minutes=1)).replace(tzinfo=None)  # read as UTC
    assert paths(since=naive) == []
    count, newest = journal.select(JournalFilter(method="get"), limit=1)
    assert (count, [entry["path"] for entry in newest]) == (2, ["/api/b/"])


def test_clear_empties_it_and_ids_go_on() -> None:
    journal = Journal()
    journal.record(_request(), None, 200, [])
    journal.clear()
    assert journal.entries() == [] and journal.chars == 0
    journal.record(_request(), None, 200, [])
    assert journal.entries()[0]["id"] == 2
