"""The recent requests, for `GET /__mock__/requests`: what came in and what the mock made of it.

Bounded in entries and in bytes: a path, a query, the headers, the body or a problem can be as
long as a client makes it (a malformed body can end up in a problem's text), so each entry keeps
at most `FIELD_CHARS` of each, and the oldest entries go once the whole journal passes
`JOURNAL_CHARS`. Credentials are never kept: `authorization` keeps its scheme word only
("Api-Key •••"), cookies and the control key nothing.
"""

from __future__ import annotations

import codecs
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mock_server.messages import MockRequest, encode_json
from mock_server.validation.decoding import BodyParseError, read_json

if TYPE_CHECKING:
    from mock_server.store.shared import JournalKeep

JOURNAL_SIZE = 200
FIELD_CHARS = 2048  # path, query, headers, body, problems: each, per entry
JOURNAL_CHARS = 2 * 1024 * 1024
MAX_PROBLEMS = 20
ELLIPSIS = "…"
MASK = "•••"
# Headers whose value is a credential: the scheme word is kept where there is one.
SCHEMED_SECRETS = frozenset({"authorization", "proxy-authorization"})
SECRETS = frozenset({"cookie", "x-mock-control-key", "x-api-key"})


def clip(text: str, limit: int = FIELD_CHARS) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def _clip_all(texts: list[str], limit: int) -> list[str]:
    """As many of `texts` as fit in `limit` characters together, the last one clipped."""
    kept: list[str] = []
    for text in texts:
        if limit <= 0:
            break
        kept.append(clip(text, limit))
        limit -= len(kept[-1])
    return kept


def _clip_pairs(pairs: Any, limit: int) -> list[list[str]]:
    """(name, value) pairs fitting in `limit` characters together, the last one clipped."""
    kept: list[list[str]] = []
    for name, value in pairs:
        if limit <= 0:
            break
        pair = _clip_all([name, value], limit)
        kept.append(pair if len(pair) == 2 else [pair[0], ""])
        limit -= sum(map(len, pair))
    return kept


def masked(name: str, value: str) -> str:
    """A header's value as the journal keeps it: credentials hidden."""
    if name in SCHEMED_SECRETS:
        scheme, _, credential = value.strip().partition(" ")
        return f"{scheme} {MASK}" if credential else MASK
    return MASK if name in SECRETS and value else value


def _headers(headers: Mapping[str, str], limit: int) -> dict[str, str]:
    pairs = ((name, masked(name, value)) for name, value in headers.items())
    return dict(_clip_pairs(pairs, limit))


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def journal_body(
    body: bytes, media_type: str, limit: int = FIELD_CHARS, *, length: int | None = None
) -> Any:
    """A bounded copy of a request body: its JSON value when it is JSON and short, else its
    text clipped to `limit`, a note of its size for bytes that are not UTF-8, None if empty.

    `body` may be a prefix (at least `4 * limit + 4` bytes) of a body of `length` bytes."""
    length = len(body) if length is None else length
    if not length:
        return None
    if length <= limit and _is_json(media_type):
        try:
            return read_json(body)  # depth-checked and NaN-free, as the validator reads it
        except BodyParseError:
            pass
    # UTF-8 takes at most 4 bytes a character: that prefix holds `limit` characters, and the
    # incremental decoder forgives a character the cut split (and nothing else).
    prefix = body[: _prefix_bytes(limit)]
    whole = len(prefix) == length
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(prefix, final=whole)
    except UnicodeDecodeError:
        return f"<{length} bytes, {media_type or 'no content type'}>"
    return clip(text if whole else text + ELLIPSIS, limit)


def _prefix_bytes(limit: int) -> int:
    return 4 * limit + 4


@dataclass(frozen=True)
class JournalFilter:
    """Which entries a query of the journal wants; None: any."""

    operation: str | None = None
    method: str | None = None  # any case
    path: str | None = None  # exact, or a prefix when it ends in "*"
    status: str | None = None  # "404", or a class: "4xx"
    since: datetime | None = None  # entries at or after it (aware; naive is taken as UTC)

    def matches(self, at: datetime, entry: Mapping[str, Any]) -> bool:
        if self.operation is not None and entry["operation"] != self.operation:
            return False
        if self.method is not None and entry["method"] != self.method.upper():
            return False
        if self.path is not None and not _path_matches(self.path, entry["path"]):
            return False
        if self.status is not None and not _status_matches(self.status, entry["status"]):
            return False
        since = self.since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return since is None or at >= since


def _path_matches(wanted: str, path: str) -> bool:
    return path.startswith(wanted[:-1]) if wanted.endswith("*") else path == wanted


def _status_matches(wanted: str, status: int) -> bool:
    if wanted.lower().endswith("xx"):
        return str(status)[:1] == wanted[:1]
    return str(status) == wanted


@dataclass(slots=True)
class _Kept:
    """One request as it came, clipped but not yet shaped: an entry is made when the journal is
    read (at most `size` of them), not on every request."""

    chars: int
    id: int
    at: datetime
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes  # a prefix, enough for `journal_body`
    body_length: int
    media_type: str
    operation: str | None
    status: int
    problems: list[str]
    shaped: dict[str, Any] | None = None

    def entry(self, limit: int) -> dict[str, Any]:
        if self.shaped is None:
            self.shaped = {
                "id": self.id,
                "at": self.at.isoformat().replace("+00:00", "Z"),
                "method": self.method,
                "path": self.path,
                "query": _clip_pairs(self.query, limit),
                "headers": _headers(self.headers, limit),
                "body": journal_body(self.body, self.media_type, limit, length=self.body_length),
                "operation": self.operation,
                "status": self.status,
                "problems": self.problems,
            }
        return self.shaped


class Journal:
    """A bounded, thread-safe log of requests, newest first when read."""

    def __init__(
        self,
        size: int = JOURNAL_SIZE,
        *,
        max_chars: int = JOURNAL_CHARS,
        field_chars: int = FIELD_CHARS,
    ) -> None:
        self.size = size
        self._entries: deque[_Kept] = deque(maxlen=size)
        self._chars = 0
        self._max_chars = max_chars
        self._field_chars = field_chars
        self._next_id = 1  # never reset: an id names one request for the process's life
        self._lock = threading.Lock()

    def record(
        self,
        request: MockRequest,
        operation_id: str | None,
        status: int,
        problems: list[str],
    ) -> None:
        with self._lock:
            entry = self._kept(request, operation_id, status, problems, self._next_id)
            self._next_id += 1
            if len(self._entries) == self._entries.maxlen:
                self._chars -= self._entries[0].chars
            self._entries.append(entry)
            self._chars += entry.chars
            while self._chars > self._max_chars and len(self._entries) > 1:
                self._chars -= self._entries.popleft().chars

    def _kept(
        self,
        request: MockRequest,
        operation_id: str | None,
        status: int,
        problems: list[str],
        entry_id: int,
    ) -> _Kept:
        """The request as kept: clipped to `field_chars` per field, with its cost in chars."""
        limit = self._field_chars
        path = clip(request.path, limit)
        kept = _clip_all(problems[:MAX_PROBLEMS], limit) if problems else []
        body = request.body
        prefix = body if len(body) <= _prefix_bytes(limit) else body[: _prefix_bytes(limit)]
        # What the entry will cost, near enough: its text plus a little per field (the query
        # and headers clipped to `limit` characters each when the entry is made).
        query, headers = request.query, request.headers
        query_chars = sum(len(k) + len(v) + 8 for k, v in query)
        if query_chars > limit:  # kept clipped, never whole: the journal stays a few MB
            query = tuple((k, v) for k, v in _clip_pairs(query, limit))
        header_chars = sum(len(k) + len(v) + 6 for k, v in headers.items())
        if header_chars > limit:
            headers = dict(_clip_pairs(headers.items(), limit))
        chars = 240 + len(path) + min(len(prefix), limit) + len(operation_id or "")
        chars += min(query_chars, limit) + min(header_chars, limit)
        chars += sum(len(problem) + 4 for problem in kept)
        at = datetime.now(UTC)
        method = clip(request.method.upper(), 16)
        return _Kept(
            chars, entry_id, at, method, path, query, headers,
            prefix, len(body), request.media_type, operation_id, status, kept,
        )  # fmt: skip

    def total(self) -> int:
        """How many requests were ever recorded (kept or not)."""
        with self._lock:
            return self._next_id - 1

    @property
    def chars(self) -> int:
        """The journal's size, in characters of text it holds (about its JSON's length)."""
        with self._lock:
            return self._chars

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [kept.entry(self._field_chars) for kept in reversed(self._entries)]

    def select(
        self, wanted: JournalFilter | None = None, limit: int | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many entries match, and the newest `limit` of them (all when None)."""
        with self._lock:
            shaped = [(k.at, k.entry(self._field_chars)) for k in reversed(self._entries)]
        return _selected(shaped, wanted, limit)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0


def _selected(
    shaped: list[tuple[datetime, dict[str, Any]]], wanted: JournalFilter | None, limit: int | None
) -> tuple[int, list[dict[str, Any]]]:
    wanted = wanted or JournalFilter()
    matching = [entry for at, entry in shaped if wanted.matches(at, entry)]
    return len(matching), matching if limit is None else matching[:limit]


class SharedJournal(Journal):
    """A session's journal kept in `keep`, where every worker records and reads
    (`--store redis://`). An entry is shaped when it is recorded, since any worker may read it."""

    def __init__(self, keep: JournalKeep, size: int = JOURNAL_SIZE, **limits: Any) -> None:
        super().__init__(size, **limits)
        self._keep = keep

    def record(
        self,
        request: MockRequest,
        operation_id: str | None,
        status: int,
        problems: list[str],
    ) -> None:
        entry = self._kept(request, operation_id, status, problems, 0).entry(self._field_chars)
        del entry["id"]  # given where it is kept
        self._keep.append(entry, self.size)

    def total(self) -> int:
        return self._keep.total()

    @property
    def chars(self) -> int:
        return sum(len(encode_json(entry)) for entry in self._keep.entries())

    def entries(self) -> list[dict[str, Any]]:
        return self._keep.entries()

    def select(
        self, wanted: JournalFilter | None = None, limit: int | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        shaped = [(_instant(entry["at"]), entry) for entry in self._keep.entries()]
        return _selected(shaped, wanted, limit)

    def clear(self) -> None:
        self._keep.clear()


def _instant(shown: str) -> datetime:
    return datetime.fromisoformat(shown.replace("Z", "+00:00"))
