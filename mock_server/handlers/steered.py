"""Answers a client steered: its `Prefer`, an installed override, or the run's chaos settings.

`Steering.plan` decides, after the request has passed authentication and validation, whether
anything steers it (the request's own preferences first, then the newest matching override,
then chaos); `Steering.answer` makes that answer. Only an answer of the operation's normal
status, without a replacement body, goes through the store: a steered error, another declared
status or a replaced body changes no state. Timing and faults ride on the `MockResponse`
(`delay`, `fault`); the web adapter waits and breaks the connection.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from mock_server.handlers.errors import shaped_error
from mock_server.handlers.negotiation import choose_media_type
from mock_server.messages import JSON_MEDIA_TYPE, MockRequest, MockResponse, encode_json
from mock_server.spec.index import Operation, object_properties, resolve_ref
from mock_server.steering import Chaos, OverrideBook, PlannedAnswer, merge_patch
from mock_server.steering.contract import BODILESS_STATUSES, declared_statuses, status_key
from mock_server.steering.preferences import Preferences
from mock_server.steering.problems import SteeringProblem
from mock_server.synthesis import Synthesizer

OVERRIDE_HEADER = "X-Mock-Override"
# Django's own page for an unhandled error (DEBUG off), for a failure the document declares no
# 5xx for: what a browser frontend sees when the platform breaks.
DJANGO_SERVER_ERROR_PAGE = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n'
    "<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)
# DRF's default body for each status it raises itself.
DRF_DETAILS = {
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    406: "Could not satisfy the request Accept header.",
    409: "Conflict.",
    413: "Request entity too large.",
    415: "Unsupported media type in request.",
    417: "Expectation failed.",
    429: "Request was throttled. Expected available in 60 seconds.",
    500: "A server error occurred.",
    503: "Service temporarily unavailable, try again later.",
}


@dataclass(frozen=True)
class Plan:
    """How one request is to be answered, once something steers it."""

    answer: PlannedAnswer
    example: str | None = None
    dynamic: bool = False
    override_id: str | None = None


class SteeringState(Protocol):
    """What steers a session: its overrides and its chaos settings."""

    overrides: OverrideBook
    chaos: Chaos


class Steering:
    def __init__(
        self,
        document: Mapping[str, Any],
        synthesizer: Synthesizer,
        state: Callable[[], SteeringState],
        *,
        seed: int = 0,
    ) -> None:
        """`state` gives the current session's overrides and chaos, asked per request."""
        self._document = document
        self._synthesizer = synthesizer
        self._state = state
        self._delays = random.Random(seed)
        self._fresh = itertools.count(1)

    def plan(
        self,
        operation: Operation,
        request: MockRequest,
        body: Any,
        preferences: Preferences | None,
    ) -> Plan | None:
        """What steers this request, if anything. Raises SteeringProblem for a `Prefer` the
        operation cannot honour (an undeclared code, an unknown example)."""
        plan: Plan | None = None
        if preferences is not None and preferences.shapes_answer:
            plan = self._preferred(operation, preferences)
        elif (overrides := self._state().overrides).has(operation.operation_id):
            taken = overrides.take(operation.operation_id, request.path_params, request.query, body)
            if taken is not None:
                override, answer = taken
                plan = Plan(answer, override_id=override.id)
        chaos = self._state().chaos
        if plan is None and chaos.active and chaos.fails():
            plan = Plan(PlannedAnswer(status=_failure_status(operation)))
        return plan

    def _preferred(self, operation: Operation, preferences: Preferences) -> Plan:
        code = preferences.code
        if code is not None and status_key(operation.responses, code) is None:
            raise SteeringProblem.on(
                "code",
                f"{code} is not a declared response of {operation.operation_id}; "
                f"declared: {declared_statuses(operation)}.",
            )
        answer = PlannedAnswer(status=preferences.code)
        return Plan(answer, example=preferences.example, dynamic=preferences.dynamic)

    def time(
        self, response: MockResponse, plan: Plan | None, preferences: Preferences | None
    ) -> None:
        """The wait before the answer and the fault instead of it: the request's own first (on
        any answer, refusals included: the network fails whatever was sent), then the plan's,
        then the run's latency."""
        delay = preferences.delay if preferences is not None else None
        if delay is None and plan is not None:
            delay = plan.answer.delay
        if delay is not None:
            response.delay = delay.seconds(self._delays)
        elif (chaos := self._state().chaos).active:
            response.delay = chaos.latency_seconds()
        if preferences is not None and preferences.fault is not None:
            response.fault = preferences.fault

    def answer(
        self,
        operation: Operation,
        request: MockRequest,
        plan: Plan,
        normal: Callable[[], MockResponse],
    ) -> tuple[MockResponse, list[str]]:
        """The steered answer, and the contract problems it knowingly has."""
        planned = plan.answer
        status = planned.status or operation.answer_status
        problems = list(planned.problems)  # known at installation (allow_invalid)
        if planned.has_body:
            response = self._replaced(operation, status, planned.body)
        elif plan.example is not None:
            response = self._example(operation, request, status, plan.example)
        elif status == operation.answer_status and not plan.dynamic:
            response = normal()
        elif status < 400:
            response = self._declared(operation, request, status, plan.dynamic)
        else:
            response = self._refusal(operation, request, status)
        if planned.patch is not None and response.body:
            patched = merge_patch(orjson.loads(response.body), planned.patch)
            response.body = encode_json(patched)
            overrides = self._state().overrides
            problems += overrides.problems(operation.operation_id, response.status, patched)
        response.headers.update(planned.headers)
        if plan.override_id is not None:
            response.headers[OVERRIDE_HEADER] = plan.override_id
        response.fault = planned.fault
        return response, problems

    def _replaced(self, operation: Operation, status: int, body: Any) -> MockResponse:
        if status in BODILESS_STATUSES:
            return MockResponse(status, b"", media_type=None)
        return MockResponse(status, encode_json(body), media_type=JSON_MEDIA_TYPE)

    def _content(self, operation: Operation, status: int) -> Mapping[str, Any]:
        key = status_key(operation.responses, status)
        declared = resolve_ref(self._document, operation.responses.get(key or "", {}))
        content: Mapping[str, Any] = declared.get("content") or {}
        return content

    def _example(
        self, operation: Operation, request: MockRequest, status: int, name: str
    ) -> MockResponse:
        content = self._content(operation, status)
        named: dict[str, Any] = {}
        for media_type, media in content.items():
            for example_name, example in (media.get("examples") or {}).items():
                named.setdefault(example_name, (media_type, example))
        if name not in named:
            offered = ", ".join(sorted(named)) or "none"
            raise SteeringProblem.on(
                "example",
                f'"{name}" is not an example of the {status} response of '
                f"{operation.operation_id}; examples: {offered}.",
            )
        media_type, example = named[name]
        value = resolve_ref(self._document, example).get("value")
        return MockResponse(status, encode_json(value), media_type=media_type)

    def _declared(
        self, operation: Operation, request: MockRequest, status: int, dynamic: bool
    ) -> MockResponse:
        """A declared answer that is not the normal one (or made fresh), from its schema."""
        content = self._content(operation, status)
        if not content or status in BODILESS_STATUSES:
            return MockResponse(status, b"", media_type=None)
        media_type = choose_media_type(content, request.headers.get("accept", ""))
        key = f"{operation.operation_id}|{status}|{request.path}|{media_type}"
        if dynamic:
            key += f"|fresh-{next(self._fresh)}"
        value = self._synthesizer.body(content[media_type], key=key, context=request.path_params)
        return MockResponse(status, encode_json(value), media_type=media_type)

    def _refusal(self, operation: Operation, request: MockRequest, status: int) -> MockResponse:
        """DRF's body for an error status, poured into the operation's declared shape."""
        if status_key(operation.responses, status) is None:  # chaos, with no 5xx declared
            return MockResponse(
                500, DJANGO_SERVER_ERROR_PAGE.encode(), media_type="text/html; charset=utf-8"
            )
        body = self._drf_body(operation, request, status)
        shaped = shaped_error(
            self._document, self._synthesizer, operation, status, body, request.path_params
        )
        headers = {"Retry-After": "60"} if status == 429 else {}
        return MockResponse(status, encode_json(shaped), headers=headers)

    def _drf_body(self, operation: Operation, request: MockRequest, status: int) -> dict[str, Any]:
        if status == 405:
            return {"detail": f'Method "{request.method.upper()}" not allowed.'}
        if status != 400:
            return {"detail": DRF_DETAILS.get(status, "A server error occurred.")}
        found = self._first_field(operation)
        if found is None:
            return {"non_field_errors": ["Invalid data."]}
        name, in_body = found
        return {name: ["This field is required." if in_body else "Enter a valid value."]}

    def _first_field(self, operation: Operation) -> tuple[str, bool] | None:
        """A field of the operation a 400 can name, and whether it is a body field: a required
        body field, else any body field, else a query parameter."""
        body = operation.request_body or {}
        for media in (body.get("content") or {}).values():
            schema = resolve_ref(self._document, media.get("schema") or {})
            properties = object_properties(self._document, schema)
            writable = [
                name
                for name, prop in properties.items()
                if not resolve_ref(self._document, prop).get("readOnly")
            ]
            required = [name for name in schema.get("required") or [] if name in writable]
            if required or writable:
                return str((required or writable)[0]), True
        for parameter in operation.parameters:
            if parameter.get("in") == "query":
                return str(parameter["name"]), False
        return None


def _failure_status(operation: Operation) -> int:
    """The lowest 5xx the operation declares, else 500 (Django's page)."""
    declared = sorted(int(k) for k in operation.responses if str(k).isdigit() and k[0] == "5")
    return declared[0] if declared else 500


__all__ = ["OVERRIDE_HEADER", "Plan", "Steering"]
