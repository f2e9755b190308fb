"""Bad request input is refused with DRF's 400s, before any handler runs, and never crashes.

Bodies that are not UTF-8, nested without end, or hold NUL characters; impossible date-times;
empty required query values: DRF answers each with a 400 in its own words, and so must the mock,
without recursing into the body or storing anything.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.app import MockApplication
from mock_server.messages import MockRequest
from mock_server.spec import load_document
from mock_server.spec.index import Operation, OperationIndex, is_template_segment, resolve_ref
from mock_server.spec.index import segments as path_segments
from mock_server.synthesis import Synthesizer
from mock_server.validation import ContractValidator, RequestProblem
from mock_server.validation.decoding import MAX_DEPTH, too_deep

if TYPE_CHECKING:
    from conftest import ASGIClient

JSON = "application/json"
SCIM = "application/scim+json"
FORM = "application/x-www-form-urlencoded"
CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/{org}/users/{user_id}/custom-instruction/"
NUL_REFUSED = ["Null characters are not allowed."]
DATETIME_REFUSED = [
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
]
NOT_UTF8 = b'{"profession": "caf\xe9"}'
DEEPEST = b"[" * 10_000 + b"]" * 10_000
DEEP_FIELD = b'{"profession": ' + b"[" * 500 + b"]" * 500 + b"}"
TOO_DEEP = f"Nesting deeper than {MAX_DEPTH} levels is not accepted."


@functools.cache
def _setup() -> tuple[Mapping[str, Any], OperationIndex, ContractValidator, Synthesizer]:
    document = load_document().document
    index = OperationIndex.from_document(document)
    return document, index, ContractValidator(document), Synthesizer(document)


def _operation(path: str, method: str) -> Operation:
    return _setup()[1].by_path[path][method]


def _path_params(operation: Operation) -> dict[str, str]:
    values = {}
    for parameter in operation.parameters:
        if parameter.get("in") == "path":
            schema = parameter.get("schema", {})
            if schema.get("type") == "integer":
                values[parameter["name"]] = "7"
            elif schema.get("format") == "uuid":
                values[parameter["name"]] = "6f1c2a3e-8d4b-4c2a-9e1f-2b3c4d5e6f70"
            elif schema.get("pattern"):
                value = _setup()[3].value(schema, key=parameter["name"], direction="request")
                values[parameter["name"]] = str(value)
            else:
                values[parameter["name"]] = "acme" if parameter["name"] == "org" else "jdoe"
    return values


def _required_query(operation: Operation) -> tuple[tuple[str, str], ...]:
    synthesizer = _setup()[3]
    query = []
    for parameter in operation.parameters:
        if parameter.get("in") == "query" and parameter.get("required"):
            value = synthesizer.value(
                parameter.get("schema", {}), key=parameter["name"], direction="request"
            )
            text = str(value).lower() if isinstance(value, bool) else str(value)
            query.append((parameter["name"], text))
    return tuple(query)


def _request(
    operation: Operation,
    body: bytes = b"",
    content_type: str = JSON,
    query: tuple[tuple[str, str], ...] | None = None,
    path_params: Mapping[str, str] | None = None,
) -> MockRequest:
    params = dict(_path_params(operation) if path_params is None else path_params)
    parts = [
        params[s[1:-1]] if is_template_segment(s) else s for s in path_segments(operation.path)
    ]
    return MockRequest(
        method=operation.method,
        path="/" + "/".join(parts) + "/",
        host_url="http://testserver",
        path_params=params,
        query=_required_query(operation) if query is None else query,
        headers={"content-type": content_type} if body else {},
        body=body,
    )


def _check(operation: Operation, body: bytes, content_type: str = JSON) -> RequestProblem | None:
    return _setup()[2].check_request(operation, _request(operation, body, content_type))


def _ordinary_body(operation: Operation, media_type: str = JSON) -> Any:
    schema = operation.request_body["content"][media_type]["schema"]  # type: ignore[index]
    return _setup()[3].value(schema, key=operation.operation_id, direction="request")


def _json_operations(media_type: str = JSON) -> list[Operation]:
    return [
        operation
        for operation in _setup()[1]
        if "schema" in (operation.request_body or {}).get("content", {}).get(media_type, {})
    ]


def _is_parse_error(problem: RequestProblem | None) -> bool:
    return (
        problem is not None
        and problem.status == 400
        and list(problem.body) == ["detail"]
        and problem.body["detail"].startswith("JSON parse error - ")
    )


# -- bodies that are not JSON DRF can read -------------------------------------------------------


def test_a_body_that_is_not_utf8_is_a_json_parse_error() -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    for media_type in (JSON, SCIM, f"{JSON}; charset=utf-8"):
        assert _check(operation, NOT_UTF8, media_type) == RequestProblem(
            400,
            {
                "detail": "JSON parse error - 'utf-8' codec can't decode byte 0xe9 in position "
                "19: invalid continuation byte"
            },
        )


@pytest.mark.parametrize(
    "body", [DEEPEST, DEEP_FIELD, b'{"a": ' * 10_000], ids=["10000", "500", "open"]
)
def test_a_body_nested_too_deep_is_a_json_parse_error(body: bytes) -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    for media_type in (JSON, SCIM):
        problem = _check(operation, body, media_type)
        assert problem == RequestProblem(400, {"detail": f"JSON parse error - {TOO_DEEP}"})


def test_nesting_up_to_the_limit_is_read() -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    deep_enough = b'{"profession": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    assert _check(operation, deep_enough) == RequestProblem(
        400, {"profession": ["Not a valid string."]}
    )


def test_every_operation_refuses_hostile_json_with_a_400_and_never_raises() -> None:
    operations = _json_operations()
    assert len(operations) > 300
    wrong: list[str] = []
    for operation in operations:
        for body in (NOT_UTF8, DEEPEST, DEEP_FIELD):
            problem = _check(operation, body)
            if not _is_parse_error(problem):
                wrong.append(f"{operation.operation_id} {body[:16]!r}: {problem}")
    assert wrong == []


def test_nan_and_infinity_are_json_parse_errors_as_in_drf() -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    problem = _check(operation, b'{"profession": NaN}')
    assert problem == RequestProblem(
        400,
        {"detail": "JSON parse error - Out of range float values are not JSON compliant: 'NaN'"},
    )
    assert _is_parse_error(_check(operation, b'{"profession": -Infinity}'))


def test_a_form_nested_too_deep_is_a_form_parse_error() -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    problem = _check(operation, b"profession" + b"[a]" * 1000 + b"=1", FORM)
    assert problem == RequestProblem(400, {"detail": f"Form parse error - {TOO_DEEP}"})


# -- the depth count against the parser's own -----------------------------------------------------


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_TRICKY_TEXT = st.text(alphabet='[]{}"\\ax\u00e9\n', max_size=6)
_VALUES = st.recursive(
    st.none() | st.integers() | _TRICKY_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(_TRICKY_TEXT, children, max_size=3)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.integers(min_value=0, max_value=6))
def test_the_depth_count_matches_the_parsed_value(value: Any, limit: int) -> None:
    body = json.dumps(value, ensure_ascii=False).encode()
    assert too_deep(body, limit) == (_depth(value) > limit)


# -- empty required query values -----------------------------------------------------------------


def test_an_empty_required_query_value_is_this_field_is_required() -> None:
    operation = next(op for op in _setup()[1] if op.operation_id == "get_content_analytics")
    validator = _setup()[2]
    problem = validator.check_request(operation, _request(operation, query=(("metric", ""),)))
    assert problem == RequestProblem(400, {"metric": ["This field is required."]})
    assert (
        validator.check_request(operation, _request(operation, query=(("metric", "course"),)))
        is None
    )


def test_an_empty_optional_query_value_is_still_ignored() -> None:
    operation = _operation(
        "/api/ai-mentor/orgs/{org}/users/{user_id}/disclaimer-agreements/", "get"
    )
    validator = _setup()[2]
    query = (("ordering", ""), ("page", ""), ("disclaimer", ""))
    assert validator.check_request(operation, _request(operation, query=query)) is None


# -- date-times Django cannot read ----------------------------------------------------------------


def _writable_datetime_fields() -> list[tuple[Operation, str]]:
    document = _setup()[0]
    found = []
    for operation in _json_operations():
        if operation.method != "post":
            continue
        schema = resolve_ref(document, operation.request_body["content"][JSON]["schema"])  # type: ignore[index]
        for name, prop in schema.get("properties", {}).items():
            prop = resolve_ref(document, prop)
            if prop.get("format") == "date-time" and not prop.get("readOnly"):
                found.append((operation, name))
    return found


def test_impossible_date_times_in_a_body_are_refused() -> None:
    fields = _writable_datetime_fields()
    assert fields
    wrong = []
    for operation, name in fields:
        body = _ordinary_body(operation)
        assert _check(operation, json.dumps(body).encode()) is None, operation.operation_id
        for impossible in (
            "2024-13-01T00:00:00Z",
            "2024-01-01T12:99",
            "2023-02-29T10:00",
            "2024-01-01T10:00+24:00",
        ):
            problem = _check(operation, json.dumps({**body, name: impossible}).encode())
            if problem != RequestProblem(400, {name: DATETIME_REFUSED}):
                wrong.append(f"{operation.operation_id}.{name}={impossible}: {problem}")
        for possible in (
            "2024-02-29T23:59:59.123456Z",
            "2024-01-01 10:00",
            "2024-01-01T10:00+0530",
        ):
            problem = _check(operation, json.dumps({**body, name: possible}).encode())
            if problem is not None:
                wrong.append(f"{operation.operation_id}.{name}={possible}: {problem}")
    assert wrong == []


# -- NUL characters ------------------------------------------------------------------------------


def test_a_nul_in_a_string_field_is_refused_in_json_and_forms() -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    expected = RequestProblem(400, {"profession": NUL_REFUSED})
    assert _check(operation, b'{"profession": "Nur\\u0000se"}') == expected
    assert _check(operation, b'{"profession": "Nur\\u0000se"}', SCIM) == expected
    assert _check(operation, b"profession=Nur%00se", FORM) == expected
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="profession"\r\n\r\nNur\x00se\r\n--b--\r\n'
    )
    assert _check(operation, multipart, "multipart/form-data; boundary=b") == expected
    # An escaped backslash before `u0000` is text, not a NUL.
    assert _check(operation, b'{"profession": "Nur\\\\u0000se"}') is None


def test_nul_refusals_join_the_other_field_errors() -> None:
    operation = _operation(CUSTOM_INSTRUCTION, "post")
    body = json.dumps({"profession": "x" * 101, "about_user": "a\x00"}).encode()
    assert _check(operation, body) == RequestProblem(
        400,
        {
            "profession": ["Ensure this field has no more than 100 characters."],
            "about_user": NUL_REFUSED,
        },
    )


def test_every_plain_string_field_refuses_a_nul() -> None:
    document = _setup()[0]
    tried, wrong = 0, []
    for operation in _json_operations():
        body = _ordinary_body(operation)
        media = operation.request_body["content"][JSON]  # type: ignore[index]
        properties = resolve_ref(document, media["schema"]).get("properties", {})
        plain = [
            name
            for name, prop in properties.items()
            if isinstance(body, dict) and isinstance(body.get(name), str) and _plain_string(prop)
        ]
        if not plain:
            continue
        name = plain[0]
        body[name] = "\x00" + body[name][1:]  # the same length, so only the NUL is wrong
        problem = _check(operation, json.dumps(body).encode())
        tried += 1
        if problem != RequestProblem(400, {name: NUL_REFUSED}):
            wrong.append(f"{operation.operation_id}.{name}: {problem}")
    assert tried > 100
    assert wrong == []


def _plain_string(prop: Mapping[str, Any]) -> bool:
    prop = resolve_ref(_setup()[0], prop)
    unusual = {"format", "enum", "pattern", "readOnly"} & set(prop)
    return prop.get("type") == "string" and not unusual


def test_a_nul_in_a_nested_string_is_reported_where_it_is() -> None:
    by_id = {operation.operation_id: operation for operation in _setup()[1]}
    sessions = by_id["ai_mentor_orgs_sessions_create"]
    body = {**_ordinary_body(sessions), "tools": ["web-search", "calc\x00"]}
    assert _check(sessions, json.dumps(body).encode()) == RequestProblem(
        400, {"tools": {"1": NUL_REFUSED}}
    )
    slack = by_id["ai_bot_v1_bots_webhooks_slack_create"]
    body = {**_ordinary_body(slack), "event": {"blocks": [{"text": "hi\x00"}]}}
    assert _check(slack, json.dumps(body).encode()) == RequestProblem(
        400, {"event": {"blocks": {"0": {"text": NUL_REFUSED}}}}
    )


def test_a_nul_in_a_query_string_is_refused_and_in_a_path_is_not_found() -> None:
    operation = _operation(
        "/api/ai-mentor/orgs/{org}/users/{user_id}/disclaimer-agreements/", "get"
    )
    validator = _setup()[2]
    query = (("username", "jd\x00e"), ("page", "1"))
    assert validator.check_request(operation, _request(operation, query=query)) == RequestProblem(
        400, {"username": NUL_REFUSED}
    )
    params = {**_path_params(operation), "org": "ac\x00me"}
    assert validator.check_request(operation, _request(operation, path_params=params)) == (
        RequestProblem(404, {"detail": "Not found."})
    )


# -- what is still accepted ----------------------------------------------------------------------


@pytest.mark.parametrize("media_type", [JSON, SCIM])
def test_every_ordinary_body_is_still_accepted(media_type: str) -> None:
    refused = []
    for operation in _json_operations(media_type):
        body = json.dumps(_ordinary_body(operation, media_type)).encode()
        problem, value = _setup()[2].accept(operation, _request(operation, body, media_type))
        if problem is not None or value != json.loads(body):
            refused.append(f"{operation.operation_id}: {problem}")
    assert refused == []


# -- end to end: answered like other 400s, journaled, nothing stored ------------------------------


def test_refusals_are_journaled_400s_that_store_nothing(
    client: ASGIClient, mock_app: MockApplication
) -> None:
    path = CUSTOM_INSTRUCTION.format(org="main", user_id="hostile-input")
    headers = {"content-type": JSON}
    before = mock_app.engine.store.counts()
    answers = [
        client.post(path, content=NOT_UTF8, headers=headers),
        client.post(path, content=DEEPEST, headers=headers),
        client.post(path, content=DEEP_FIELD, headers=headers),
        client.post(path, content=b'{"profession": "Nur\\u0000se"}', headers=headers),
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 400]
    assert all(answer.json()["detail"].startswith("JSON parse error - ") for answer in answers[:3])
    assert answers[3].json() == {"profession": NUL_REFUSED}
    assert mock_app.engine.store.counts() == before
    assert client.get(path).status_code == 404  # nothing was written
    journal = client.get("/__mock__/requests").json()["results"]
    refused = [entry for entry in journal if entry["path"] == path and entry["status"] == 400]
    assert len(refused) == 4
    assert refused[0]["problems"] == ["profession: Null characters are not allowed."]


def test_an_empty_required_query_value_is_refused_end_to_end(client: ASGIClient) -> None:
    response = client.get("/api/analytics/content/?metric=")
    assert (response.status_code, response.json()) == (
        400,
        {"metric": ["This field is required."]},
    )
