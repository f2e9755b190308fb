"""Lists that answer like DRF's: filters, search, ordering and pagination over plain records.

A list handler reads the request with `read_list_query`, then calls `filter_records`,
`search_records`, `order_records` and `paginate` in that order, as DRF's generic views run
their filter backends (django-filter, SearchFilter, OrderingFilter) before the paginator.
Records are JSON dicts. Nothing here imports a web framework or reads a clock.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, Literal
from urllib import parse

PageStyle = Literal["page", "limit_offset"]

# Checked in this order; the first one declared and given wins.
ORDERING_PARAMS = ("ordering", "sort", "order_by")
# django-filter's BooleanWidget: it lowercases the value, and anything else is no value at all.
_BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}
# What a nested object is matched by when a filter names it (a foreign key's value).
_ID_KEYS = ("id", "pk", "unique_id")
# django.utils.text.smart_split's tokens: runs of non-space, with quoted parts kept whole.
_SEARCH_TOKEN = re.compile(r"""(?:[^\s'"]*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+|\S+""")


@dataclass(frozen=True)
class ListQuery:
    """What a list request asks for, read from its query string.

    `page` is the number asked for; "last" is DRF's name for the final page, and text that is
    not an integer is kept as 0, a page no list has, since DRF answers both with the same 404.
    `page_size`, `limit` and `offset` are the integers given (None when absent or not integers);
    `paginate` applies DRF's rules to them. `style` says which paginator the view has.
    """

    filters: dict[str, str]
    search: str | None = None
    ordering: tuple[str, ...] = ()
    page: int | Literal["last"] | None = None
    page_size: int | None = None
    limit: int | None = None
    offset: int | None = None
    style: PageStyle = "page"


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    count: int
    next: str | None
    previous: str | None


class InvalidPage(Exception):
    """A page number outside the list; DRF answers 404 with this detail."""

    detail = "Invalid page."

    def __init__(self) -> None:
        super().__init__(self.detail)


def read_list_query(
    query: Sequence[tuple[str, str]], declared: Collection[str], filter_names: Collection[str]
) -> ListQuery:
    """Read the list parameters, ignoring any the operation does not declare (as DRF does).

    A repeated parameter counts by its last value, as Django's `QueryDict.get` answers.
    Blank filters are dropped, as django-filter skips empty values.
    """
    values: dict[str, str] = {}
    for name, value in query:
        if name in declared:
            values[name] = value
    ordering = next((_ordering_terms(values[p]) for p in ORDERING_PARAMS if values.get(p)), ())
    return ListQuery(
        filters={n: v for n, v in values.items() if n in filter_names and v.strip()},
        search=values.get("search") or None,
        ordering=ordering,
        page=_page_number(values.get("page")),
        page_size=_integer(values.get("page_size")),
        limit=_integer(values.get("limit")),
        offset=_integer(values.get("offset")),
        style=_page_style(values, declared),
    )


def _ordering_terms(text: str) -> tuple[str, ...]:
    # OrderingFilter splits on commas and strips; empty terms can never name a field.
    return tuple(term for term in (part.strip() for part in text.split(",")) if term)


def _page_number(text: str | None) -> int | Literal["last"] | None:
    if not text:  # DRF: `query_params.get("page") or 1`
        return None
    if text == "last":
        return "last"
    return _integer(text) or 0


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)  # what DRF's `_positive_int` and Django's Paginator call
    except ValueError:
        return None


def _page_style(values: Mapping[str, str], declared: Collection[str]) -> PageStyle:
    # A DRF view has one paginator and the document shows which by its parameters. A few views
    # declare page and limit/offset both; there the request's own parameters decide.
    if "limit" not in declared or "offset" not in declared:
        return "page"
    if "page" not in declared or "limit" in values or "offset" in values:
        return "limit_offset"
    return "page"


def filter_records(
    records: Sequence[dict[str, Any]], filters: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Records equal to every filter, compared as django-filter would.

    A value is matched as text but coerced to the record's type: booleans by django-filter's
    words (true/1/false/0, any case), numbers by value ("3" and "3.0" match 3), nested objects
    by their id (`disclaimer=3` matches {"disclaimer": {"id": 3}}; "pk" and "unique_id" also
    count), lists by any member. `<field>_id` matches `<field>` too. Strings match exactly, after
    the stripping Django's CharField does.

    Choices where the mock cannot know the real FilterSet:
    - A filter naming a field no record has is ignored: the real one may filter on a model field
      the serializer hides, and an unfiltered list is the less surprising answer than an empty
      one. A record merely missing a field that others have does not match.
    - A boolean field given a word that is not boolean is ignored, as django-filter ignores it.
    - A number or id that does not parse matches nothing (django-filter would answer 400).
    """
    active = [
        (keys, text)
        for name, text in filters.items()
        if (keys := _filter_keys(records, name)) and not _ignored_boolean(records, keys, text)
    ]
    return [
        record
        for record in records
        if all(_equals(_first_present(record, keys), text) for keys, text in active)
    ]


def _filter_keys(records: Sequence[Mapping[str, Any]], name: str) -> tuple[str, ...]:
    candidates = (name, name[:-3]) if name.endswith("_id") and len(name) > 3 else (name,)
    return tuple(key for key in candidates if any(key in record for record in records))


def _first_present(record: Mapping[str, Any], keys: Sequence[str]) -> Any:
    return next((record[key] for key in keys if key in record), None)


def _ignored_boolean(records: Sequence[Mapping[str, Any]], keys: Sequence[str], text: str) -> bool:
    if text.lower() in _BOOLEAN_WORDS:
        return False
    present = [v for r in records if (v := _first_present(r, keys)) is not None]
    return bool(present) and all(isinstance(v, bool) for v in present)


def _equals(value: Any, text: str) -> bool:
    # bool before int: True is an int in Python, but a filter says "true", not "1.0".
    if isinstance(value, bool):
        return _BOOLEAN_WORDS.get(text.lower()) is value
    if isinstance(value, int | float):
        number = _decimal(text)
        return number is not None and number == _decimal(str(value))
    if isinstance(value, str):
        return value == text.strip()
    if isinstance(value, Mapping):
        return any(key in value and _equals(value[key], text) for key in _ID_KEYS)
    if isinstance(value, list):
        return any(_equals(item, text) for item in value)
    return False  # null equals nothing, as SQL's `=` does


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    # NaN never equals, and a signalling NaN raises on comparison.
    return number if number.is_finite() else None


def search_records(records: Sequence[dict[str, Any]], term: str) -> list[dict[str, Any]]:
    """Records where every search word is in some text field, ignoring case (DRF's SearchFilter).

    Words split on whitespace and commas; a quoted phrase stays one word. The text fields are
    the record's strings and those of its nested objects one level down, standing in for the
    view's `search_fields`, which the document does not show.
    """
    words = [word.lower() for word in _search_words(term)]
    if not words:
        return list(records)
    matched = []
    for record in records:
        texts = [text.lower() for text in _texts(record)]
        if all(any(word in text for text in texts) for word in words):
            matched.append(record)
    return matched


def _search_words(term: str) -> list[str]:
    words: list[str] = []
    for token in _SEARCH_TOKEN.findall(term):
        token = token.strip(",")
        if token.startswith(("'", '"')) and token[0] == token[-1]:
            # Django's unescape_string_literal: drop the quotes, unescape quote and backslash.
            quote = token[0]
            words.append(token[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\"))
        else:
            words.extend(part.strip() for part in token.split(",") if part)
    return [word for word in words if word]


def _texts(record: Mapping[str, Any]) -> list[str]:
    texts = []
    for value in record.values():
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, Mapping):
            texts.extend(inner for inner in value.values() if isinstance(inner, str))
    return texts


def order_records(
    records: Sequence[dict[str, Any]], ordering: Sequence[str]
) -> list[dict[str, Any]]:
    """Records sorted by each field in turn; "-field" descends (DRF's OrderingFilter).

    Fields no record has are dropped, as OrderingFilter drops invalid ones; `a__b` reaches into a
    nested object. The sort is stable. Nulls (and missing values) sort as Postgres sorts them:
    after every value ascending, before every value descending. Values of different types never
    raise: numbers before strings before anything else (compared by their JSON). Strings compare
    by code point, as a C collation does. A nested object sorts by its id, as Django orders a
    relation by its key.
    """
    rows = list(records)
    known = [
        (term.removeprefix("-"), term.startswith("-"))
        for term in ordering
        if any(_has_path(row, term.removeprefix("-")) for row in rows)
    ]
    # Sorting by the last key first leaves stable sorts ordered by every key.
    for name, descending in reversed(known):
        rows.sort(key=partial(_field_key, name), reverse=descending)
    return rows


def _field_key(path: str, record: Mapping[str, Any]) -> tuple[int, int, Any]:
    return _sort_key(_resolve(record, path))


def _has_path(record: Mapping[str, Any], path: str) -> bool:
    if path in record:
        return True
    node: Any = record
    for part in path.split("__"):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _resolve(record: Mapping[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    node: Any = record
    for part in path.split("__"):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _sort_key(value: Any) -> tuple[int, int, Any]:
    if value is None:
        return (1, 0, 0)
    if isinstance(value, Mapping) and any(key in value for key in _ID_KEYS):
        return _sort_key(next(value[key] for key in _ID_KEYS if key in value))
    if isinstance(value, bool | int | float):
        return (0, 0, value)
    if isinstance(value, str):
        return (0, 1, value)
    return (0, 2, json.dumps(value, sort_keys=True, default=str))


def paginate(
    records: Sequence[dict[str, Any]],
    query: ListQuery,
    *,
    url: str,
    default_page_size: int = 10,
    max_page_size: int = 100,
) -> Page:
    """One page of `records`, with DRF's `next`/`previous` links built from `url`.

    `url` is the request's absolute URL as received. `max_page_size` also caps `limit`, and
    `default_page_size` is also the default limit, as DRF's PAGE_SIZE setting serves both.
    """
    if query.style == "limit_offset":
        return _limit_offset_page(records, query, url, default_page_size, max_page_size)
    # page_size follows DRF's `_positive_int(strict=True)`: zero, negative or not an integer
    # falls back to the default; too big is cut to the maximum.
    size = _positive(query.page_size, strict=True, cutoff=max_page_size) or default_page_size
    count = len(records)
    pages = max(1, math.ceil(count / size))  # Django's Paginator: an empty list has page 1
    number = _chosen_page(query.page, pages)
    if not 1 <= number <= pages:
        raise InvalidPage
    start = (number - 1) * size
    previous = None
    if number > 1:
        previous = _set_param(url, "page", None if number == 2 else number - 1)
    return Page(
        items=list(records[start : start + size]),
        count=count,
        next=_set_param(url, "page", number + 1) if number < pages else None,
        previous=previous,
    )


def _chosen_page(page: int | Literal["last"] | None, pages: int) -> int:
    if page is None:
        return 1
    return pages if page == "last" else page


def _limit_offset_page(
    records: Sequence[dict[str, Any]], query: ListQuery, url: str, default: int, maximum: int
) -> Page:
    limit = _positive(query.limit, strict=True, cutoff=maximum) or default
    offset = _positive(query.offset) or 0  # a bad offset is 0 in DRF, not an error
    count = len(records)
    items = [] if count == 0 or offset > count else list(records[offset : offset + limit])
    next_url = previous = None
    if offset + limit < count:
        next_url = _set_param(_set_param(url, "limit", limit), "offset", offset + limit)
    if offset > 0:
        # DRF drops offset rather than send 0 or less when stepping back to the start.
        back = offset - limit
        previous = _set_param(_set_param(url, "limit", limit), "offset", back if back > 0 else None)
    return Page(items=items, count=count, next=next_url, previous=previous)


def _positive(value: int | None, *, strict: bool = False, cutoff: int | None = None) -> int | None:
    if value is None or value < 0 or (value == 0 and strict):
        return None
    return min(value, cutoff) if cutoff else value


def _set_param(url: str, key: str, value: int | None) -> str:
    """DRF's replace_query_param (or remove_query_param for None).

    Like DRF it decodes the query, groups repeated keys, sorts by key and re-encodes it, so the
    other parameters keep their values (and percent-encoding) but not their order, and a space
    sent as %20 comes back as "+".
    """
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    params = parse.parse_qs(query, keep_blank_values=True)
    if value is None:
        params.pop(key, None)
    else:
        params[key] = [str(value)]
    query = parse.urlencode(sorted(params.items()), doseq=True)
    return parse.urlunsplit((scheme, netloc, path, query, fragment))
