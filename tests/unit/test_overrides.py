"""Overrides: what `OverrideBook.add` refuses and keeps, which override answers, merge patches.

Against the real document: its operations, statuses and schemas are what a client steers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.messages import MockRequest, MockResponse, encode_json
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex, resolve_ref
from mock_server.steering import (
    NO_BODY,
    Delay,
    Match,
    OverrideBook,
    PlannedAnswer,
    SteeringProblem,
    merge_patch,
)
from mock_server.steering.contract import BODILESS_STATUSES, json_media_type
from mock_server.steering.overrides_parse import SHOWN_FIELDS
from mock_server.synthesis import Synthesizer
from mock_server.synthesis.validation import Validators
from mock_server.validation import ContractValidator

# GET /api/ai-account/orgs/{org}/credential/ (query `name`); 200, 400, 401, 403, 404.
READ = "ai_account_orgs_credential_retrieve"
CREATE = "ai_account_orgs_credential_create"  # POST of the same path, with a JSON body
DESTROY = "ai_account_orgs_credential_destroy"  # 204
NO_CONTENT_200 = "ai_account_orgs_use_free_trial_create"  # a 200 declared without a body
VALID: dict[str, Any] = {
    "name": "openai",
    "platform": "main",
    "service_info": {"id": 1, "name": "openai", "display_name": "OpenAI"},
}
DECLARED = "200, 400, 401, 403, 404"


@pytest.fixture(scope="module")
def setup() -> tuple[dict[str, Any], OperationIndex, Validators]:
    document = load_document().document
    return document, OperationIndex.from_document(document), Validators(document)


@pytest.fixture
def book(setup: tuple[dict[str, Any], OperationIndex, Validators]) -> OverrideBook:
    return OverrideBook(*setup)


def refusal(book: OverrideBook, payload: Any) -> dict[str, Any]:
    with pytest.raises(SteeringProblem) as caught:
        book.add(payload)
    return caught.value.detail


def take(
    book: OverrideBook,
    operation: str = READ,
    path: dict[str, str] | None = None,
    query: tuple[tuple[str, str], ...] = (),
    body: Any = None,
) -> PlannedAnswer | None:
    taken = book.take(operation, path or {"org": "main"}, query, body)
    return None if taken is None else taken[1]


# -- refusals ----------------------------------------------------------------------------------

UNKNOWN = (
    "Unknown field; known fields: operation, match, status, body, patch, headers, delay_ms, "
    "delay, fault, times, sequence, allow_invalid."
)
NOT_DICT = 'Expected a dictionary of items but got type "{}".'
BAD_HEADER_VALUE = "Header values are Latin-1 text without line breaks or surrounding spaces."
# Response splitting, no Latin-1, whitespace h11 refuses to send.
BAD_HEADER_VALUES = ("a\r\nSet-Cookie: x", "\u2603", " padded", "end ", "a\x0bb", "a\0b")
BAD_HEADER_NAMES = tuple(f"X-{n}" for n in range(len(BAD_HEADER_VALUES)))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ({}, {"operation": ["This field is required."]}),
        ({"operation": 3}, {"operation": ["Not a valid string."]}),
        ({"operation": READ, "colour": 1, "size": 2}, {"colour": [UNKNOWN], "size": [UNKNOWN]}),
        (
            {"operation": READ, "status": 418},
            {"status": [f"418 is not a declared response of {READ}; declared: {DECLARED}."]},
        ),
        ({"operation": READ, "status": "200"}, {"status": ["A valid integer is required."]}),
        ({"operation": READ, "status": True}, {"status": ["A valid integer is required."]}),
        ({"operation": READ, "status": 200.0}, {"status": ["A valid integer is required."]}),
        ({"operation": READ, "status": 99}, {"status": ["Not an HTTP status."]}),
        (
            {"operation": READ, "body": VALID, "patch": {}},
            {"patch": ["Give either body or patch, not both."]},
        ),
        ({"operation": READ, "patch": [1]}, {"patch": [NOT_DICT.format("list")]}),
        ({"operation": READ, "headers": "X-A: 1"}, {"headers": [NOT_DICT.format("str")]}),
        (
            {"operation": READ, "headers": {"X A": "1", "": "2", "X:B": "3"}},
            {"headers": {name: ["Not a valid header name."] for name in ("X A", "", "X:B")}},
        ),
        (
            {"operation": READ, "headers": {"Content-Length": "3", "transfer-encoding": "chunked"}},
            {
                "headers": {
                    "Content-Length": ["The server sets this header itself."],
                    "transfer-encoding": ["The server sets this header itself."],
                }
            },
        ),
        (
            {"operation": READ, "headers": {"X-Count": 3}},
            {"headers": {"X-Count": ["Not a valid string."]}},
        ),
        (
            {
                "operation": READ,
                "headers": dict(zip(BAD_HEADER_NAMES, BAD_HEADER_VALUES, strict=True)),
            },
            {"headers": {name: [BAD_HEADER_VALUE] for name in BAD_HEADER_NAMES}},
        ),
        (
            {"operation": READ, "delay_ms": 5, "delay": "5"},
            {"delay": ["Give either delay or delay_ms, not both."]},
        ),
        ({"operation": READ, "delay_ms": "5"}, {"delay_ms": ["A valid number is required."]}),
        (
            {"operation": READ, "delay_ms": -5},
            {"delay_ms": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"operation": READ, "delay": {"uniform": [9, 1]}},
            {"delay": {"uniform": ["The low bound must not be above the high bound."]}},
        ),
        (
            {"operation": READ, "fault": "explode"},
            {"fault": ['"explode" is not a valid choice; choices: empty, malformed, reset.']},
        ),
        (
            {"operation": READ, "fault": ["reset"]},
            {"fault": ["\"['reset']\" is not a valid choice; choices: empty, malformed, reset."]},
        ),
        (
            {"operation": READ, "times": 0},
            {"times": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"operation": READ, "times": -2},
            {"times": ["Ensure this value is greater than or equal to 1."]},
        ),
        ({"operation": READ, "times": "3"}, {"times": ["A valid integer is required."]}),
        ({"operation": READ, "times": True}, {"times": ["A valid integer is required."]}),
        ({"operation": READ, "times": 1.5}, {"times": ["A valid integer is required."]}),
        (
            {"operation": READ, "allow_invalid": "yes"},
            {"allow_invalid": ["Must be a valid boolean."]},
        ),
    ],
)
def test_a_wrong_field_is_refused_by_name(
    book: OverrideBook, payload: Any, expected: dict[str, Any]
) -> None:
    assert refusal(book, payload) == expected
    assert book.list() == []


def test_an_unknown_operation_is_refused_with_close_ids(book: OverrideBook) -> None:
    (message,) = refusal(book, {"operation": READ + "x"})["operation"]
    assert message.startswith(f'"{READ}x" is not an operationId of the document.')
    assert f"Did you mean {READ}" in message
    (far,) = refusal(book, {"operation": "zz" * 500})["operation"]
    assert "Did you mean" not in far and len(far) < 200


def test_every_problem_is_reported_at_once(book: OverrideBook) -> None:
    detail = refusal(book, {"operation": READ, "status": 418, "fault": "x", "times": 0})
    assert set(detail) == {"status", "fault", "times"}


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        ([], {"non_field_errors": [NOT_DICT.format("list")]}),
        ({"headers": {}}, {"headers": ["Unknown field; known fields: path, query, body."]}),
        ({"path": "main"}, {"path": [NOT_DICT.format("str")]}),
        (
            {"path": {"orgz": "main"}},
            {"path": {"orgz": [f"Not a path parameter of {READ}; its path parameters: org."]}},
        ),
        ({"path": {"org": None}}, {"path": {"org": ["Not a valid string."]}}),
        (
            {"query": {"page": "2"}},
            {"query": {"page": [f"Not a query parameter of {READ}; its query parameters: name."]}},
        ),
        ({"query": {"name": ["a", "b"]}}, {"query": {"name": ["Not a valid string."]}}),
        ({"query": {"name": True}}, {"query": {"name": ["Not a valid string."]}}),
        ({"body": {"name": "openai"}}, {"body": [f"{READ} takes no request body."]}),
    ],
)
def test_a_wrong_match_is_refused_under_match(
    book: OverrideBook, match: Any, expected: dict[str, Any]
) -> None:
    assert refusal(book, {"operation": READ, "match": match}) == {"match": expected}


def test_a_match_body_must_be_an_object(book: OverrideBook) -> None:
    detail = refusal(book, {"operation": CREATE, "match": {"body": ["openai"]}})
    assert detail == {"match": {"body": [NOT_DICT.format("list")]}}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"sequence": {"status": 200}},
            {"sequence": ['Expected a list of items but got type "dict".']},
        ),
        ({"sequence": []}, {"sequence": ["This list may not be empty."]}),
        (
            {"sequence": [{"status": 200}, 3]},
            {"sequence": {"1": {"non_field_errors": [NOT_DICT.format("int")]}}},
        ),
        (
            {"sequence": [{"status": 404}, {"status": 418}, {"times": 2}]},
            {
                "sequence": {
                    "1": {
                        "status": [
                            f"418 is not a declared response of {READ}; declared: {DECLARED}."
                        ]
                    },
                    "2": {
                        "times": [
                            "Unknown field; known fields: status, body, patch, headers, delay_ms, "
                            "delay, fault."
                        ]
                    },
                }
            },
        ),
        (
            {"status": 200, "body": VALID, "sequence": [{"status": 404}]},
            {
                "status": ["Not allowed beside a sequence; give it in each entry."],
                "body": ["Not allowed beside a sequence; give it in each entry."],
            },
        ),
    ],
)
def test_a_wrong_sequence_is_refused_entry_by_entry(
    book: OverrideBook, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert refusal(book, {"operation": READ, **payload}) == expected


def test_the_book_is_bounded(setup: tuple[dict[str, Any], OperationIndex, Validators]) -> None:
    book = OverrideBook(*setup, limit=3)
    for _ in range(3):
        book.add({"operation": READ})
    assert refusal(book, {"operation": READ}) == {
        "detail": "At most 3 overrides can be installed at once; remove some first."
    }
    book.remove("ov-2")
    assert book.add({"operation": READ}).id == "ov-4"  # a refusal uses up no id


# -- the contract check ------------------------------------------------------------------------


def test_a_valid_body_is_accepted_without_problems(book: OverrideBook) -> None:
    headers = {"X-Trace": "1", "Retry-After": "", "X-Note": "\xe9t\xe9 a\tb c"}
    override = book.add({"operation": READ, "body": VALID, "headers": headers})
    (answer,) = override.answers
    assert answer == PlannedAnswer(body=VALID, headers=headers)
    assert override.problems == () and answer.problems == ()


def test_an_invalid_body_is_refused_naming_the_field_and_the_rule(book: OverrideBook) -> None:
    body = {**VALID, "name": 5, "service_info": {**VALID["service_info"], "id": "one"}}
    (first, second) = refusal(book, {"operation": READ, "body": body})["body"]
    assert first == f"Not a valid 200 response of {READ}: name: 5 is not of type 'string'"
    assert second.endswith("service_info/id: 'one' is not of type 'integer'")


def test_many_problems_are_cut_to_the_first_few(book: OverrideBook) -> None:
    body = {"name": 1, "platform": 2, "service_info": {"id": "x", "name": 3}}
    messages = refusal(book, {"operation": READ, "body": body})["body"]
    assert len(messages) == 4 and messages[-1].endswith(": and more")


def test_the_body_is_checked_against_the_answers_own_status(book: OverrideBook) -> None:
    # DRF's error body: any object whose `detail` is a string.
    assert refusal(book, {"operation": READ, "status": 404, "body": {"detail": 5}}) == {
        "body": [f"Not a valid 404 response of {READ}: detail: 5 is not of type 'string'"]
    }
    assert book.add({"operation": READ, "status": 404, "body": {"detail": "Not found."}})
    assert refusal(book, {"operation": READ, "body": {"detail": "Not found."}})  # not a 200


def test_an_invalid_body_is_kept_with_its_problems_when_allowed(book: OverrideBook) -> None:
    override = book.add({"operation": READ, "body": [1], "allow_invalid": True})
    assert override.problems == ("<body>: [1] is not of type 'object'",)
    assert override.answers[0].problems == override.problems
    assert override.to_json()["problems"] == ["<body>: [1] is not of type 'object'"]


def test_a_body_on_a_bodiless_status_is_a_problem(book: OverrideBook) -> None:
    assert refusal(book, {"operation": DESTROY, "body": {}}) == {
        "body": [f"Not a valid 204 response of {DESTROY}: 204 answers no body: HTTP forbids one"]
    }
    detail = refusal(book, {"operation": NO_CONTENT_200, "body": {"ok": True}})
    assert "the document declares no body for 200" in detail["body"][0]
    kept = book.add({"operation": DESTROY, "body": "", "allow_invalid": True})
    assert kept.problems == ("204 answers no body: HTTP forbids one",)


def test_a_sequence_entry_with_an_invalid_body_is_named_by_its_index(book: OverrideBook) -> None:
    payload = {"operation": READ, "sequence": [{"body": VALID}, {"status": 200, "body": {}}]}
    detail = refusal(book, payload)
    assert list(detail) == ["sequence"] and list(detail["sequence"]) == ["1"]
    assert detail["sequence"]["1"]["body"][0].startswith(f"Not a valid 200 response of {READ}")
    kept = book.add({**payload, "allow_invalid": True})
    assert kept.problems and all(p.startswith("sequence/1: ") for p in kept.problems)
    assert kept.answers[0].problems == () and kept.answers[1].problems


def test_answers_without_a_body_are_not_checked(book: OverrideBook) -> None:
    override = book.add({"operation": READ, "status": 403, "patch": {"name": 5}, "fault": "empty"})
    assert override.answers[0].body is NO_BODY and override.problems == ()


def test_problems_checks_a_patched_answer_as_it_is_made(book: OverrideBook) -> None:
    assert book.problems(READ, 200, VALID) == []
    assert book.problems(READ, 200, merge_patch(VALID, {"name": 5})) == [
        "name: 5 is not of type 'string'"
    ]
    assert book.problems(READ, 418, VALID) == [f"418 is not a declared response of {READ}"]
    assert book.problems(DESTROY, 204, {}) == ["204 answers no body: HTTP forbids one"]
    assert book.problems("nope", 200, {}) == ["nope is not an operation of the document"]


def test_problems_without_a_json_schema_are_none() -> None:
    ok = {"description": ""}
    document = {
        "openapi": "3.0.3",
        "paths": {
            "/report/": {
                "get": {
                    "operationId": "report",
                    "responses": {
                        "200": {
                            "description": "",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "201": {"description": "", "content": {"application/json": {}}},
                        "default": ok,
                    },
                }
            }
        },
    }
    book = OverrideBook(document, OperationIndex.from_document(document), Validators(document))
    assert book.problems("report", 200, [1, 2]) == []
    assert book.problems("report", 201, [1, 2]) == []
    assert book.add({"operation": "report", "status": 503}).answers[0].status == 503  # default
    assert book.problems("report", 503, {}) == ["the document declares no body for 503 of report"]


def test_the_installed_answer_does_not_follow_later_changes_of_the_payload(
    book: OverrideBook,
) -> None:
    payload: dict[str, Any] = {
        "operation": CREATE,
        "body": copy.deepcopy(VALID),
        "match": {"body": {"a": 1}},
    }
    override = book.add(payload)
    payload["body"]["name"] = "changed"
    payload["match"]["body"]["a"] = 2
    assert override.answers[0].body == VALID and override.match.body == {"a": 1}


# -- which override answers --------------------------------------------------------------------


def test_has_is_true_only_for_operations_with_overrides(book: OverrideBook) -> None:
    assert not book.has(READ)
    book.add({"operation": READ, "status": 404})
    assert book.has(READ) and not book.has(CREATE)
    assert book.take(CREATE, {"org": "main"}, (), None) is None


def test_a_path_match_compares_the_value_as_text(book: OverrideBook) -> None:
    book.add({"operation": READ, "status": 404, "match": {"path": {"org": "main"}}})
    book.add({"operation": READ, "status": 403, "match": {"path": {"org": 7}}})
    assert take(book, path={"org": "other"}) is None
    assert take(book, path={"org": "main"}) == PlannedAnswer(status=404)
    assert take(book, path={"org": "7"}) == PlannedAnswer(status=403)


def test_a_query_match_compares_the_last_value_of_the_name(book: OverrideBook) -> None:
    book.add({"operation": READ, "status": 404, "match": {"query": {"name": "openai"}}})
    assert take(book) is None
    assert take(book, query=(("name", "google"),)) is None
    assert take(book, query=(("name", "openai"), ("name", "google"))) is None
    assert take(book, query=(("name", "google"), ("name", "openai"))) == PlannedAnswer(status=404)


def test_a_body_match_is_a_subset_with_lists_and_booleans_exact(book: OverrideBook) -> None:
    match = {"name": "openai", "value": {"key": "sk", "scopes": ["a", "b"], "on": True}}
    book.add({"operation": CREATE, "status": 400, "match": {"body": match}})
    sent: dict[str, Any] = {
        "name": "openai",
        "platform": "main",
        "value": {"key": "sk", "scopes": ["a", "b"], "on": True, "extra": 1},
    }
    assert take(book, CREATE, body=sent) == PlannedAnswer(status=400)
    for changed in ({"scopes": ["a"]}, {"scopes": ["b", "a"]}, {"on": 1}, {"key": None}):
        assert take(book, CREATE, body={**sent, "value": {**sent["value"], **changed}}) is None
    assert take(book, CREATE, body=None) is None
    assert take(book, CREATE, body=["openai"]) is None


def test_the_newest_matching_override_answers(book: OverrideBook) -> None:
    book.add({"operation": READ, "status": 404})
    newest = book.add({"operation": READ, "status": 403})
    book.add({"operation": READ, "status": 400, "match": {"path": {"org": "other"}}})
    assert take(book) == PlannedAnswer(status=403)
    assert take(book, path={"org": "other"}) == PlannedAnswer(status=400)
    assert book.remove(newest.id) and not book.remove(newest.id)
    assert take(book) == PlannedAnswer(status=404)


def test_an_override_is_gone_after_its_times(book: OverrideBook) -> None:
    lasting = book.add({"operation": CREATE, "status": 400})
    override = book.add({"operation": READ, "status": 404, "times": 2})
    assert override.to_json()["remaining"] == 2
    assert take(book) == PlannedAnswer(status=404) and override.remaining == 1
    assert take(book) == PlannedAnswer(status=404)
    assert take(book) is None and not book.has(READ)
    assert book.get(override.id) is None and book.list() == [lasting]
    assert (override.used, override.remaining) == (2, 0)


def test_a_sequence_answers_in_turn_then_repeats_its_last_entry(book: OverrideBook) -> None:
    override = book.add(
        {
            "operation": READ,
            "sequence": [
                {"status": 404},
                {"body": VALID, "delay_ms": 50},
                {"status": 403, "fault": "reset"},
            ],
        }
    )
    answers = [take(book) for _ in range(5)]
    assert answers == [
        PlannedAnswer(status=404),
        PlannedAnswer(body=VALID, delay=Delay("fixed", 50)),
        *[PlannedAnswer(status=403, fault="reset")] * 3,
    ]
    assert override.used == 5 and override.remaining is None


def test_a_sequence_with_times_stops_after_them(book: OverrideBook) -> None:
    book.add(
        {
            "operation": READ,
            "times": 2,
            "sequence": [{"status": 404}, {"status": 403}, {"status": 400}],
        }
    )
    assert [take(book) for _ in range(3)] == [
        PlannedAnswer(status=404),
        PlannedAnswer(status=403),
        None,
    ]


# -- ids, listing, the installed form ----------------------------------------------------------


def test_ids_count_installations_and_are_never_reused(
    setup: tuple[dict[str, Any], OperationIndex, Validators],
) -> None:
    def ids(book: OverrideBook) -> Iterator[str]:
        for _ in range(3):
            yield book.add({"operation": READ}).id

    first, second = OverrideBook(*setup), OverrideBook(*setup)
    assert list(ids(first)) == list(ids(second)) == ["ov-1", "ov-2", "ov-3"]
    first.clear()
    assert first.list() == [] and not first.has(READ)
    assert first.add({"operation": CREATE}).id == "ov-4"


def test_list_is_in_installation_order_across_operations(book: OverrideBook) -> None:
    made = [book.add({"operation": op}) for op in (READ, CREATE, READ, DESTROY)]
    assert book.list() == made and book.get("ov-3") is made[2] and book.get("ov-9") is None


def test_the_shown_form_lists_what_was_installed(book: OverrideBook) -> None:
    override = book.add(
        {
            "operation": READ,
            "match": {"query": {"name": "openai"}},
            "status": 200,
            "body": VALID,
            "headers": {"X-A": "1"},
            "delay": "10-20",
            "times": 3,
        }
    )
    assert override.to_json() == {
        "id": "ov-1",
        "operation": READ,
        "match": {"query": {"name": "openai"}},
        "status": 200,
        "body": VALID,
        "headers": {"X-A": "1"},
        "delay": {"uniform": [10, 20]},
        "times": 3,
        "allow_invalid": False,
        "used": 0,
        "remaining": 3,
        "problems": [],
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"operation": READ},
        {"operation": READ, "status": 404, "fault": "malformed", "delay_ms": 5, "times": 1},
        {"operation": READ, "patch": {"name": None}, "match": {"path": {"org": "main"}}},
        {
            "operation": CREATE,
            "match": {"body": {"name": "x"}},
            "sequence": [
                {"status": 400},
                {"body": VALID, "delay": {"lognormal": {"median": 20, "sigma": 1}}},
            ],
        },
        {"operation": READ, "body": 3, "allow_invalid": True},
    ],
)
def test_a_shown_override_can_be_installed_again_as_shown(
    book: OverrideBook, payload: dict[str, Any]
) -> None:
    shown = book.add(payload).to_json()
    again = book.add(shown).to_json()
    assert {**again, "id": shown["id"]} == shown
    assert all(field in shown for field in SHOWN_FIELDS)


# -- merge patch (RFC 7386) --------------------------------------------------------------------

# RFC 7386, Appendix A: (original, patch, result).
RFC_7386_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC_7386_EXAMPLES)
def test_merge_patch_gives_the_rfcs_results(original: Any, patch: Any, result: Any) -> None:
    assert merge_patch(original, patch) == result


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(target=JSON, patch=JSON)
def test_merge_patch_never_changes_its_inputs_and_shares_nothing_with_the_patch(
    target: Any, patch: Any
) -> None:
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    result = merge_patch(target, patch)
    assert target == target_before and patch == patch_before
    if isinstance(result, dict | list):
        _scramble(result)
        assert patch == patch_before


def _scramble(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _scramble(item)
        value["\0scrambled"] = 1
    elif isinstance(value, list):
        for item in value:
            _scramble(item)
        value.append("\0scrambled")


@given(target=JSON, patch=st.dictionaries(st.text(max_size=3), JSON, max_size=4))
def test_an_object_patch_is_idempotent_and_leaves_other_keys_alone(
    target: Any, patch: dict[str, Any]
) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once
    for name, value in patch.items():
        assert (name not in once) if value is None else (name in once)
    if isinstance(target, dict):
        assert all(once[name] == value for name, value in target.items() if name not in patch)


# -- the verdict is the server's ---------------------------------------------------------------


ODD = st.one_of(
    JSON,
    st.builds(
        lambda name, value: {**VALID, name: value},
        st.sampled_from(["name", "platform", "service_info", "value", "extra"]),
        JSON,
    ),
    st.builds(
        lambda name, value: {**VALID, "service_info": {**VALID["service_info"], name: value}},
        st.sampled_from(["id", "name", "display_name", "logo"]),
        JSON,
    ),
    st.builds(
        lambda name: {k: v for k, v in VALID.items() if k != name}, st.sampled_from(list(VALID))
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=ODD)
def test_add_accepts_a_body_exactly_when_the_servers_response_validation_does(
    setup: tuple[dict[str, Any], OperationIndex, Validators], body: Any
) -> None:
    document, index, _ = setup
    book = OverrideBook(*setup)
    operation = index.by_id[READ]
    request = MockRequest(
        "get", "/api/ai-account/orgs/main/credential/", "http://t", {"org": "main"}
    )
    server = _server_validator(document)
    server_accepts = not server.response_problems(
        operation, request, MockResponse(200, encode_json(body))
    )
    try:
        book.add({"operation": READ, "body": body})
        accepted = True
    except SteeringProblem:
        accepted = False
    assert accepted == server_accepts
    kept = book.add({"operation": READ, "body": body, "allow_invalid": True})
    assert (kept.problems == ()) == server_accepts


def test_every_operations_own_answer_can_be_installed_as_a_body(
    setup: tuple[dict[str, Any], OperationIndex, Validators],
) -> None:
    """The schema and media type the check picks are the ones the mock answers by: a body the
    synthesizer makes for each operation's normal answer is accepted as an override's body."""
    document, index, validators = setup
    synthesizer = Synthesizer(document, validators=validators)
    book = OverrideBook(*setup, limit=len(index))
    checked, refused = 0, []
    for operation in index:
        status = operation.answer_status
        content = resolve_ref(document, operation.responses.get(str(status), {})).get("content")
        media_type = json_media_type(content or {})
        if status in BODILESS_STATUSES or media_type is None:
            continue
        key = f"{operation.operation_id}|{status}|{operation.path}|{media_type}"
        body = synthesizer.body(content[media_type], key=key)
        checked += 1
        try:
            book.add({"operation": operation.operation_id, "body": body})
        except SteeringProblem as problem:
            refused.append((operation.operation_id, problem.detail))
    assert checked > 900 and refused == []


_SERVERS: dict[int, ContractValidator] = {}


def _server_validator(document: dict[str, Any]) -> ContractValidator:
    return _SERVERS.setdefault(id(document), ContractValidator(document))


def test_match_is_a_plain_value(book: OverrideBook) -> None:
    override = book.add({"operation": READ, "match": {"path": {"org": "main"}}})
    assert override.match == Match(path={"org": "main"})


FIELD_NAMES = st.sampled_from(
    ["operation", "match", "status", "body", "patch", "headers", "delay_ms", "delay", "fault",
     "times", "sequence", "allow_invalid", "path", "query", "id", "used"]
)  # fmt: skip
PAYLOADS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELD_NAMES, inner, max_size=4),
    max_leaves=16,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=PAYLOADS, operation=st.sampled_from([READ, CREATE, DESTROY, "nope"]))
def test_any_json_payload_is_installed_or_refused_never_a_crash(
    setup: tuple[dict[str, Any], OperationIndex, Validators], payload: Any, operation: str
) -> None:
    book = OverrideBook(*setup)
    if isinstance(payload, dict):
        payload = {"operation": operation, **payload}
    try:
        override = book.add(payload)
    except SteeringProblem as problem:
        assert problem.detail and isinstance(problem.detail, dict)
    else:
        assert book.list() == [override]
        assert take(book, override.operation_id) is not None or override.match.to_json()
