"""Faults a client asks for break a real connection the way a failing backend would.

`Prefer: fault=reset` (or `?__fault=reset`) aborts the connection, `empty` closes it before a
byte of the answer, `malformed` starts an answer its client cannot parse; the server answers
the next connection as before, and the journal says what was done.
"""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from mock_process import API_KEY, served_url

PROJECTS = "/api/ai-mentor/orgs/main/users/alice/projects/"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    yield from served_url()


def _ask(
    base_url: str, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    connection.request(
        "GET", path, headers={"Authorization": f"Api-Key {API_KEY}", **(headers or {})}
    )
    answer = connection.getresponse()
    answer.read()
    return answer


def test_reset_is_a_connection_reset(base_url: str) -> None:
    with pytest.raises(ConnectionResetError):
        _ask(base_url, PROJECTS, {"Prefer": "fault=reset"})
    assert _ask(base_url, PROJECTS).status == 200  # the next connection is answered


def test_empty_closes_without_an_answer(base_url: str) -> None:
    with pytest.raises(http.client.RemoteDisconnected):
        _ask(base_url, PROJECTS + "?__fault=empty")


def test_malformed_breaks_the_clients_parser(base_url: str) -> None:
    with pytest.raises((http.client.IncompleteRead, http.client.HTTPException, ValueError)):
        _ask(base_url, PROJECTS, {"Prefer": "fault=malformed"})


def test_faults_are_journaled(base_url: str) -> None:
    with pytest.raises(ConnectionResetError):
        _ask(base_url, PROJECTS + "?__fault=reset&search=journaled")
    request = urllib.request.Request(f"{base_url}/__mock__/requests")
    with urllib.request.urlopen(request, timeout=10) as answer:
        journal = json.load(answer)
    entries = journal.get("results", journal.get("requests", []))
    faulted = [e for e in entries if ["search", "journaled"] in e["query"]]
    assert faulted and "fault: reset" in faulted[0]["problems"]
