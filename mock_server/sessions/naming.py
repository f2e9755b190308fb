"""Which session a request is in: `X-Mock-Session: NAME`, else the cookie `ibl_mock_session`
(for browsers), else the query parameter `__session` (taken out of the query before filters and
validation see it). A request naming none is in the default session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

DEFAULT_SESSION = "default"
SESSION_HEADER = "x-mock-session"
SESSION_COOKIE = "ibl_mock_session"
SESSION_QUERY = "__session"
# What a test's node id, a branch name or a uuid reduce to; nothing a path or a key can trip on.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
NAME_RULE = "1 to 100 letters, digits, '.', '_', ':' or '-', starting with a letter or a digit"

Query = tuple[tuple[str, str], ...]


class SessionProblem(ValueError):
    """A session name that cannot be used; `detail` is DRF's 400 body."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.detail = {"detail": f'Invalid session name "{name[:120]}": use {NAME_RULE}.'}


def valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def session_of(headers: Mapping[str, str], query: Query) -> tuple[str, Query]:
    """The request's session name and its query without `__session`.

    Raises SessionProblem for a name given but not usable.
    """
    named = headers.get(SESSION_HEADER)
    kept = query
    if any(name == SESSION_QUERY for name, _ in query):
        kept = tuple((k, v) for k, v in query if k != SESSION_QUERY)
        if named is None:
            named = [v for k, v in query if k == SESSION_QUERY][-1]  # the last, as Django
    if named is None and "cookie" in headers:
        named = _cookie(headers["cookie"])
    if named is None or named == "":
        return DEFAULT_SESSION, kept
    named = named.strip()
    if not valid_name(named):
        raise SessionProblem(named)
    return named, kept


def _cookie(header: str) -> str | None:
    if SESSION_COOKIE not in header:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return None if morsel is None else morsel.value
