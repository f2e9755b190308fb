"""List queries answered as DRF answers them: filters, search, ordering, pagination."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.handlers.listing import tenant_filters
from mock_server.handlers.query import (
    InvalidPage,
    ListQuery,
    Page,
    filter_records,
    order_records,
    paginate,
    read_list_query,
    search_records,
)

URL = "http://testserver/api/items/"
PAGED = ("page", "page_size", "search", "ordering", "name", "active")


def ids(records: list[dict[str, Any]]) -> list[Any]:
    return [r["id"] for r in records]


def page_of(count: int, **query: Any) -> Page:
    records = [{"id": n} for n in range(1, count + 1)]
    return paginate(records, ListQuery(filters={}, **query), url=URL)


# read_list_query


def test_reading_keeps_declared_parameters_only() -> None:
    query = read_list_query(
        [("name", "ann"), ("secret", "x"), ("search", "  hi "), ("page", "2"), ("page_size", "5")],
        declared=PAGED,
        filter_names=("name", "secret"),
    )
    assert query == ListQuery(
        filters={"name": "ann"}, search="  hi ", page=2, page_size=5, style="page"
    )


def test_blank_values_are_no_filter_and_the_last_repeat_wins() -> None:
    query = read_list_query(
        [("name", "a"), ("name", "b"), ("active", " "), ("search", "")],
        declared=PAGED,
        filter_names=("name", "active"),
    )
    assert query.filters == {"name": "b"}
    assert query.search is None


def test_ordering_splits_on_commas_and_takes_sort_or_order_by_when_declared() -> None:
    read = read_list_query
    assert read([("ordering", " -a, b,,")], PAGED, ()).ordering == ("-a", "b")
    assert read([("sort", "-name")], ("sort",), ()).ordering == ("-name",)
    assert read([("order_by", "created")], ("order_by",), ()).ordering == ("created",)
    assert read([("sort", "-name")], PAGED, ()).ordering == ()
    assert read([("ordering", "")], PAGED, ()).ordering == ()


@pytest.mark.parametrize(
    ("text", "page"),
    [("3", 3), ("0", 0), ("-2", -2), ("last", "last"), ("", None), ("abc", 0), ("2.0", 0)],
)
def test_page_numbers_are_read_raw(text: str, page: object) -> None:
    assert read_list_query([("page", text)], PAGED, ()).page == page


def test_sizes_that_are_not_integers_are_absent() -> None:
    query = read_list_query([("page_size", "ten")], PAGED, ())
    assert query.page_size is None


def test_the_declared_parameters_choose_the_paginator() -> None:
    read = read_list_query
    limit_offset = ("limit", "offset")
    assert read([], limit_offset, ()).style == "limit_offset"
    assert read([("limit", "5"), ("offset", "10")], limit_offset, ()) == ListQuery(
        filters={}, limit=5, offset=10, style="limit_offset"
    )
    both = ("page", "page_size", "limit", "offset")
    assert read([("page", "2")], both, ()).style == "page"
    assert read([("offset", "2")], both, ()).style == "limit_offset"
    assert read([("limit", "2")], ("page", "limit"), ()).style == "page"


# filter_records

RECORDS = [
    {"id": 1, "name": "Ann", "active": True, "score": 3, "disclaimer": {"id": 7}, "tags": [1, 2]},
    {"id": 2, "name": "Bob", "active": False, "score": 4.5, "disclaimer": None, "tags": []},
    {"id": 3, "name": "ann", "active": True, "score": None, "disclaimer": {"id": 8}, "tags": [2]},
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"name": "Ann"}, [1]),
        ({"name": " Ann "}, [1]),
        ({"active": "true"}, [1, 3]),
        ({"active": "True"}, [1, 3]),
        ({"active": "1"}, [1, 3]),
        ({"active": "FALSE"}, [2]),
        ({"active": "0"}, [2]),
        ({"score": "3"}, [1]),
        ({"score": "3.0"}, [1]),
        ({"score": "4.50"}, [2]),
        ({"score": "three"}, []),
        ({"score": "NaN"}, []),
        ({"score": "sNaN"}, []),
        ({"disclaimer": "7"}, [1]),
        ({"disclaimer_id": "8"}, [3]),
        ({"tags": "2"}, [1, 3]),
        ({"name": "ann", "active": "true"}, [3]),
        ({"id": "2"}, [2]),
    ],
)
def test_filters_compare_as_text_coerced_to_the_field(
    filters: dict[str, str], expected: list[int]
) -> None:
    assert ids(filter_records(RECORDS, filters)) == expected


def test_a_filter_on_a_field_no_record_has_is_ignored() -> None:
    assert ids(filter_records(RECORDS, {"colour": "red"})) == [1, 2, 3]
    assert ids(filter_records(RECORDS, {"colour": "red", "name": "Bob"})) == [2]
    assert filter_records([], {"name": "x"}) == []


def test_a_record_missing_a_field_others_have_does_not_match() -> None:
    records: list[dict[str, Any]] = [{"id": 1, "kind": "a"}, {"id": 2}]
    assert ids(filter_records(records, {"kind": "a"})) == [1]


def test_a_word_that_is_not_boolean_leaves_a_boolean_field_unfiltered() -> None:
    # django-filter's BooleanWidget reads "yes" as no value, so the filter is skipped.
    assert ids(filter_records(RECORDS, {"active": "yes"})) == [1, 2, 3]


def test_field_id_parameters_match_the_field_or_its_id_column() -> None:
    records = [
        {"id": 1, "mentor": "m-1"},
        {"id": 2, "mentor": {"unique_id": "m-2", "name": "Two"}},
        {"id": 3, "mentor_id": "m-1"},
        {"id": 4, "mentor": {"id": 9}},
    ]
    assert ids(filter_records(records, {"mentor_id": "m-1"})) == [1, 3]
    assert ids(filter_records(records, {"mentor_id": "m-2"})) == [2]
    assert ids(filter_records(records, {"mentor": "9"})) == [4]


def test_filtering_keeps_the_records_order_and_never_raises_on_odd_values() -> None:
    records: list[dict[str, Any]] = [
        {"id": 2, "v": [{"id": 1}]},
        {"id": 1, "v": {"x": 1}},
        {"id": 3, "v": 1.0},
    ]
    assert ids(filter_records(records, {"v": "1"})) == [2, 3]


# search_records

PEOPLE = [
    {"id": 1, "name": "Ada Lovelace", "bio": "Analytical engine", "age": 36},
    {"id": 2, "name": "Alan Turing", "org": {"name": "Bletchley Park", "size": 9000}},
    {"id": 3, "name": "Grace Hopper", "bio": None, "tags": ["engine"]},
    {"id": 4, "name": "x", "deep": {"inner": {"name": "engine"}}},
]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ada", [1]),
        ("ENGINE", [1]),
        ("ada engine", [1]),
        ("ada turing", []),
        ("alan bletchley", [2]),
        ("9000", []),
        ("36", []),
        ('"grace hopper"', [3]),
        ('"hopper grace"', []),
        ("ada,lovelace", [1]),
        ("   ", [1, 2, 3, 4]),
        ("", [1, 2, 3, 4]),
        (",", [1, 2, 3, 4]),
        ('"', [1, 2, 3, 4]),
        ("a", [1, 2, 3]),
        ("engine", [1]),
    ],
)
def test_search_needs_every_word_in_some_text_field(term: str, expected: list[int]) -> None:
    assert ids(search_records(PEOPLE, term)) == expected


def test_search_over_nothing_is_nothing() -> None:
    assert search_records([], "x") == []


# order_records

ROWS = [
    {"id": 1, "name": "b", "rank": 2, "when": None},
    {"id": 2, "name": "a", "rank": 1, "when": "2024-02-01"},
    {"id": 3, "name": "b", "rank": 1, "when": "2024-01-01"},
    {"id": 4, "name": "a", "rank": None},
]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (("name",), [2, 4, 1, 3]),
        (("-name",), [1, 3, 2, 4]),
        (("name", "-rank"), [4, 2, 1, 3]),
        (("name", "rank"), [2, 4, 3, 1]),
        (("rank",), [2, 3, 1, 4]),
        (("-rank",), [4, 1, 2, 3]),
        (("when",), [3, 2, 1, 4]),
        (("-when", "id"), [1, 4, 2, 3]),
        (("unknown", "-id"), [4, 3, 2, 1]),
        (("unknown",), [1, 2, 3, 4]),
        (("--id",), [1, 2, 3, 4]),
        ((), [1, 2, 3, 4]),
    ],
)
def test_ordering_is_stable_multi_key_with_nulls_last_ascending(
    ordering: tuple[str, ...], expected: list[int]
) -> None:
    assert ids(order_records(ROWS, ordering)) == expected


def test_mixed_types_order_without_raising() -> None:
    rows: list[dict[str, Any]] = [
        {"id": 1, "v": "b"},
        {"id": 2, "v": 3},
        {"id": 3, "v": None},
        {"id": 4, "v": [1]},
        {"id": 5, "v": True},
        {"id": 6, "v": {"a": 1}},
        {"id": 7, "v": 2.5},
        {"id": 8, "v": "a"},
    ]
    assert ids(order_records(rows, ["v"])) == [5, 7, 2, 8, 1, 4, 6, 3]
    assert ids(order_records(rows, ["-v"])) == [3, 6, 4, 1, 8, 2, 7, 5]


def test_nested_objects_order_by_their_id_or_a_named_path() -> None:
    rows: list[dict[str, Any]] = [
        {"id": 1, "owner": {"id": 5, "name": "z"}},
        {"id": 2, "owner": {"id": 3, "name": "y"}},
        {"id": 3, "owner": None},
    ]
    assert ids(order_records(rows, ["owner"])) == [2, 1, 3]
    assert ids(order_records(rows, ["-owner__name"])) == [3, 1, 2]


def test_ordering_does_not_touch_its_input() -> None:
    rows = [{"id": 2}, {"id": 1}]
    assert ids(order_records(rows, ["id"])) == [1, 2]
    assert ids(rows) == [2, 1]


# paginate: page numbers


def test_first_page_by_default() -> None:
    page = page_of(25)
    assert ids(page.items) == list(range(1, 11))
    assert page.count == 25
    assert page.next == URL + "?page=2"
    assert page.previous is None


def test_middle_and_last_pages() -> None:
    middle = page_of(25, page=2)
    assert ids(middle.items) == list(range(11, 21))
    assert (middle.next, middle.previous) == (URL + "?page=3", URL)
    last = page_of(25, page=3)
    assert ids(last.items) == [21, 22, 23, 24, 25]
    assert (last.next, last.previous) == (None, URL + "?page=2")
    assert page_of(25, page="last") == last


def test_page_one_of_an_empty_list_is_empty() -> None:
    assert page_of(0) == Page(items=[], count=0, next=None, previous=None)
    assert page_of(0, page=1) == Page(items=[], count=0, next=None, previous=None)
    assert page_of(0, page="last").count == 0


@pytest.mark.parametrize(("count", "number"), [(25, 4), (25, 0), (25, -1), (0, 2), (10, 2)])
def test_pages_outside_the_list_are_invalid(count: int, number: int) -> None:
    with pytest.raises(InvalidPage) as raised:
        page_of(count, page=number)
    assert raised.value.detail == "Invalid page."


def test_a_page_that_is_not_a_number_is_invalid() -> None:
    query = read_list_query([("page", "two")], PAGED, ())
    with pytest.raises(InvalidPage):
        paginate([{"id": 1}], query, url=URL + "?page=two")


@pytest.mark.parametrize(
    ("page_size", "length"), [(None, 10), (3, 3), (0, 10), (-5, 10), (1, 1), (10**9, 100)]
)
def test_page_size_follows_drf(page_size: int | None, length: int) -> None:
    # Zero or negative falls back to the default, as DRF's `_positive_int(strict=True)` does.
    assert len(page_of(500, page_size=page_size).items) == length


def test_page_size_caps_at_the_maximum_given() -> None:
    records = [{"id": n} for n in range(50)]
    query = ListQuery(filters={}, page_size=40)
    page = paginate(records, query, url=URL, default_page_size=5, max_page_size=20)
    assert len(page.items) == 20
    assert len(paginate(records, ListQuery(filters={}), url=URL, default_page_size=5).items) == 5


def test_links_keep_other_parameters_as_drf_rewrites_them() -> None:
    # DRF decodes the query, sorts it by key and re-encodes it: values survive, order does not,
    # and a space sent as %20 comes back as "+".
    url = "https://h.example/api/x/?search=caf%C3%A9%20bar&page=2&tag=b&a=%2F%26&tag=a&empty="
    page = paginate([{"id": n} for n in range(30)], ListQuery(filters={}, page=2), url=url)
    assert page.next == (
        "https://h.example/api/x/?a=%2F%26&empty=&page=3&search=caf%C3%A9+bar&tag=b&tag=a"
    )
    assert (
        page.previous == "https://h.example/api/x/?a=%2F%26&empty=&search=caf%C3%A9+bar&tag=b&tag=a"
    )


def test_previous_of_page_three_names_page_two() -> None:
    url = URL + "?page=3&page_size=2"
    page = paginate(
        [{"id": n} for n in range(9)], ListQuery(filters={}, page=3, page_size=2), url=url
    )
    assert page.previous == URL + "?page=2&page_size=2"
    assert page.next == URL + "?page=4&page_size=2"


# paginate: limit and offset


def lo_page(count: int, url: str = URL, **query: Any) -> Page:
    records = [{"id": n} for n in range(count)]
    return paginate(records, ListQuery(filters={}, style="limit_offset", **query), url=url)


def test_limit_offset_first_page_uses_the_default_limit() -> None:
    page = lo_page(25)
    assert ids(page.items) == list(range(10))
    assert page.next == URL + "?limit=10&offset=10"
    assert page.previous is None


def test_limit_offset_steps_and_drops_offset_back_at_the_start() -> None:
    url = URL + "?offset=15&limit=5&q=a%20b"
    page = lo_page(30, url, limit=5, offset=15)
    assert ids(page.items) == [15, 16, 17, 18, 19]
    assert page.next == URL + "?limit=5&offset=20&q=a+b"
    assert page.previous == URL + "?limit=5&offset=10&q=a+b"
    near = lo_page(30, URL + "?offset=3&limit=5", limit=5, offset=3)
    assert near.previous == URL + "?limit=5"


def test_limit_offset_end_and_past_the_end() -> None:
    last = lo_page(12, URL + "?limit=5&offset=10", limit=5, offset=10)
    assert (ids(last.items), last.next) == ([10, 11], None)
    past = lo_page(12, URL + "?offset=40", offset=40)
    assert past == Page(items=[], count=12, next=None, previous=URL + "?limit=10&offset=30")
    assert lo_page(0) == Page(items=[], count=0, next=None, previous=None)


@pytest.mark.parametrize(
    ("limit", "offset", "first", "length"),
    [(0, None, 0, 10), (-1, -4, 0, 10), (10**6, 0, 0, 100), (3, 0, 0, 3), (None, 7, 7, 10)],
)
def test_bad_limits_and_offsets_fall_back_as_drf_does(
    limit: int | None, offset: int | None, first: int, length: int
) -> None:
    page = lo_page(500, limit=limit, offset=offset)
    assert (page.items[0]["id"], len(page.items)) == (first, length)


# The whole pipeline: walking `next` reads every record once, in order.

RECORD = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c"]), "active": st.booleans()},
    optional={"rank": st.one_of(st.none(), st.integers(-3, 3), st.text("xy", max_size=2))},
)


def walk(records: list[dict[str, Any]], first_url: str, declared: tuple[str, ...]) -> list[Any]:
    seen: list[Any] = []
    url: str | None = first_url
    while url is not None:
        query = read_list_query(parse_qsl(urlsplit(url).query), declared, ("name", "active"))
        chosen = order_records(filter_records(records, query.filters), query.ordering)
        page = paginate(chosen, query, url=url, max_page_size=7)
        seen.extend(ids(page.items))
        url = page.next
        assert len(seen) <= len(records)
    return seen


@settings(max_examples=150, deadline=None)
@given(
    st.lists(RECORD, max_size=30),
    st.integers(-2, 12),
    st.sampled_from(["rank", "-rank", "name,-rank", "-active,rank"]),
    st.sampled_from([("active", "true"), ("name", "a"), ("active", "")]),
    st.booleans(),
)
def test_walking_next_visits_the_ordered_filtered_list(
    raw: list[dict[str, Any]],
    size: int,
    ordering: str,
    only: tuple[str, str],
    limit_offset: bool,
) -> None:
    records = [{"id": n, **r} for n, r in enumerate(raw)]
    filters = {only[0]: only[1]} if only[1] else {}
    expected = ids(order_records(filter_records(records, filters), ordering.split(",")))
    sizes = f"limit={size}" if limit_offset else f"page_size={size}"
    first = f"{URL}?{only[0]}={only[1]}&ordering={ordering}&{sizes}"
    declared: tuple[str, ...] = ("limit", "offset") if limit_offset else PAGED
    assert walk(records, first, (*declared, "ordering", "name", "active")) == expected


def test_a_tenant_filter_finds_the_field_records_name_their_tenant_in() -> None:
    by_key = [{"name": "SQL", "platform": "main"}, {"name": "R", "platform": "acme"}]
    assert tenant_filters({"platform_key": "acme"}, by_key, None) == {"platform": "acme"}
    assert filter_records(by_key, tenant_filters({"platform_key": "acme"}, by_key, None)) == [
        by_key[1]
    ]
    by_number = [{"name": "SQL", "platform": 1}, {"name": "R", "platform": 2}]
    numbers = {"main": 1, "acme": 2}.__getitem__
    assert tenant_filters({"org": "main"}, by_number, numbers) == {"platform": "1"}
    # A field the records do have is filtered as it is; an explicit filter is not overridden.
    keyed = [{"platform_key": "main", "platform": 1}]
    assert tenant_filters({"platform_key": "main"}, keyed, numbers) == {"platform_key": "main"}
    assert tenant_filters({"org": "x", "platform": "2"}, by_number, numbers) == {
        "org": "x",
        "platform": "2",
    }
