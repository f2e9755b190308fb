"""What the mock answers holds to the document: statuses, bodies, media types, echoed values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from operation_requests import ends_in_parameter, live_path, request_kwargs

from mock_server.app import MockApplication
from mock_server.messages import MockRequest, MockResponse
from mock_server.spec.index import Operation, resolve_ref

if TYPE_CHECKING:
    from conftest import ASGIClient

# GET operations whose path does not end in a path parameter: the list and aggregate views.
COLLECTION_GET_COUNT = 510


def _declared_content(app: MockApplication, operation: Operation) -> Mapping[str, Any]:
    declared = operation.responses.get(str(operation.answer_status), {})
    response = resolve_ref(app.loaded.document, declared)
    return response.get("content") or {}


def _as_messages(
    app: MockApplication, operation: Operation, response: httpx.Response
) -> tuple[MockRequest, MockResponse]:
    request = response.request
    match = app.router.match(request.url.path, request.method)
    assert match is not None
    mock_request = MockRequest(
        method=request.method.lower(),
        path=request.url.path,
        host_url=f"{request.url.scheme}://{request.url.netloc.decode()}",
        path_params=match.path_params,
        query=tuple(httpx.QueryParams(request.url.query).multi_items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.content,
    )
    content_type = response.headers.get("content-type")
    mock_response = MockResponse(
        response.status_code,
        response.content,
        media_type=content_type.split(";", 1)[0] if content_type else None,
        headers=dict(response.headers),
    )
    return mock_request, mock_response


@pytest.fixture(scope="module")
def collection_gets(mock_app: MockApplication) -> list[Operation]:
    return [op for op in mock_app.engine.index if op.method == "get" and not ends_in_parameter(op)]


def test_the_document_has_the_known_number_of_collection_gets(
    collection_gets: list[Operation],
) -> None:
    assert len(collection_gets) == COLLECTION_GET_COUNT


def test_every_collection_get_answers_a_body_the_document_allows(
    mock_app: MockApplication, client: ASGIClient, collection_gets: list[Operation]
) -> None:
    failures: list[str] = []
    for operation in collection_gets:
        response = client.get(
            live_path(mock_app, operation), **request_kwargs(mock_app.engine.synthesizer, operation)
        )
        label = f"{operation.operation_id} -> {response.status_code}"
        if response.status_code != operation.answer_status or response.status_code >= 300:
            failures.append(f"{label}, expected {operation.answer_status}: {response.text[:200]}")
            continue
        content = _declared_content(mock_app, operation)
        if not content:
            if response.content:
                failures.append(f"{label}: declares no body, answered {response.content[:80]!r}")
            continue
        media_type = response.headers.get("content-type", "").split(";", 1)[0]
        if media_type not in content:
            failures.append(f"{label}: content type {media_type!r} not in {list(content)}")
            continue
        request, answer = _as_messages(mock_app, operation, response)
        problems = mock_app.engine.validator.response_problems(operation, request, answer)
        if problems:
            failures.append(f"{label}: {problems[:3]}")
    assert not failures, f"{len(failures)} answers break the document:\n" + "\n".join(failures[:30])


def test_operations_declaring_no_body_answer_their_status_with_an_empty_body(
    mock_app: MockApplication, client: ASGIClient
) -> None:
    bodiless = [
        op
        for op in mock_app.engine.index
        if not _declared_content(mock_app, op) or op.answer_status in (204, 205, 304)
    ]
    # 243 declare no body in the published document; a 204 can carry none whatever it declares.
    assert len(bodiless) >= 243
    failures: list[str] = []
    for operation in bodiless:
        response = client.request(
            operation.method.upper(),
            live_path(mock_app, operation),
            **request_kwargs(mock_app.engine.synthesizer, operation),
        )
        if response.status_code != operation.answer_status or response.content:
            failures.append(
                f"{operation.method.upper()} {operation.operation_id} -> "
                f"{response.status_code} {response.content[:80]!r}, "
                f"expected {operation.answer_status} and no body"
            )
    assert not failures, "\n".join(failures[:30])


def test_scim_clients_get_scim_json_when_they_ask_for_it(
    mock_app: MockApplication, client: ASGIClient
) -> None:
    scim = [
        op
        for op in mock_app.engine.index
        if op.method == "get" and "application/scim+json" in _declared_content(mock_app, op)
    ]
    assert scim
    for operation in scim:
        url = live_path(mock_app, operation)
        kwargs = request_kwargs(mock_app.engine.synthesizer, operation)
        asked = client.get(url, headers={"accept": "application/scim+json"}, **kwargs)
        assert asked.headers["content-type"] == "application/scim+json", operation.operation_id
        plain = client.get(url, **kwargs)
        assert plain.headers["content-type"] == "application/json", operation.operation_id


def _org_fields(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("platform_key", "org"):
                yield item
            yield from _org_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from _org_fields(item)


def test_the_org_in_the_path_is_echoed_in_the_body(
    mock_app: MockApplication, client: ASGIClient
) -> None:
    echoed: list[str] = []
    wrong: list[str] = []
    for operation in mock_app.engine.index:
        if operation.method != "get" or "org" not in operation.path_parameter_names:
            continue
        url = live_path(mock_app, operation, {"org": "northwind-academy", "user_id": "emma"})
        assert "/northwind-academy/" in url
        response = client.get(url, **request_kwargs(mock_app.engine.synthesizer, operation))
        assert response.status_code == operation.answer_status, operation.operation_id
        if not response.content:
            continue
        values = [v for v in _org_fields(response.json()) if v is not None]
        if not values:
            continue
        echoed.append(operation.operation_id)
        if any(value != "northwind-academy" for value in values):
            wrong.append(f"{operation.operation_id}: {values[:5]}")
    assert not wrong, "\n".join(wrong)
    assert len(echoed) >= 40, echoed
