"""The request pipeline after routing: validate, answer, check the answer.

`MockEngine.handle` is framework-free: the web adapter hands it a `MockRequest` for a known
operation and sends back the `MockResponse` it returns.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from mock_server.auth import Authenticator, AuthMode, AuthProblem
from mock_server.coherence import DEFAULT_ANCHOR, Coherer, Directory, Timeline
from mock_server.fixtures.world import World
from mock_server.handlers.aggregates import Aggregates
from mock_server.handlers.errors import shaped_error, summary
from mock_server.handlers.journal import Journal
from mock_server.handlers.listing import select
from mock_server.handlers.negotiation import choose_media_type
from mock_server.handlers.projection import Projector
from mock_server.handlers.query import InvalidPage, Page
from mock_server.handlers.records import RecordFactory
from mock_server.handlers.rendering import render_state
from mock_server.handlers.resources import ResourceHandlers, StateAnswer
from mock_server.handlers.steered import Plan, Steering
from mock_server.handlers.visibility import Visibility
from mock_server.memo import BoundedCache, text_weight
from mock_server.messages import MockRequest, MockResponse, encode_json
from mock_server.model import OperationRole, infer_resources
from mock_server.sessions import (
    CurrentStore,
    Session,
    SessionBook,
    SessionProblem,
    TooManySessions,
    session_of,
)
from mock_server.spec.index import Operation, OperationIndex, resolve_ref
from mock_server.steering.chaos import Chaos
from mock_server.steering.overrides import OverrideBook
from mock_server.steering.preferences import Preferences, might_steer, read_preferences
from mock_server.steering.problems import SteeringProblem
from mock_server.store import Backends, InMemoryStore
from mock_server.synthesis import Synthesizer
from mock_server.synthesis.validation import Validators
from mock_server.validation import ContractValidator, RequestProblem

log = logging.getLogger("ibl_mock")

OPERATION_HEADER = "X-Mock-Operation-Id"
# HTTP forbids a body on these, whatever the document declares for them.
BODILESS_STATUSES = frozenset({204, 205, 304})
RESPONSE_PROBLEMS_HEADER = "X-Mock-Response-Problems"
# Synthesized bodies remembered, in bytes: a long run of distinct paths stays within it.
BODIES_BYTES = 32 << 20


def problem_declared(operation: Operation, problem: RequestProblem) -> bool:
    """Whether the document declares the status of a refusal (then its body is checked too)."""
    return str(problem.status) in operation.responses


class MockEngine:
    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        seed: int = 0,
        validate_responses: bool = False,
        strict: bool = False,
        index: OperationIndex | None = None,
        store: InMemoryStore | None = None,
        world: World | None = None,
        clock: datetime = DEFAULT_ANCHOR,
        populate_new_scopes: bool = False,
    ) -> None:
        self.document = document
        self.index = index or OperationIndex.from_document(document)
        self.validator = ContractValidator(document, strict=strict)
        validators = Validators(document)
        self.seed = seed
        # Every session's overrides start empty from this one; its chaos from these settings.
        self._overrides = OverrideBook(document, self.index, validators)
        self.chaos_defaults: dict[str, Any] = {}
        self.directory = Directory(world, seed=seed)
        self.timeline = Timeline(clock)
        self.coherer = Coherer(document, validators.fits, self.directory, self.timeline)
        self.synthesizer = Synthesizer(
            document, seed=seed, validators=validators, finish=self.coherer.finish
        )
        self.projector = Projector(document, self.synthesizer)
        # The seeded world, shared by every session; the handlers see the current session's.
        self.seeded = store or InMemoryStore()
        self.store = CurrentStore(self.seeded)
        self.sessions: SessionBook | None = None
        self.model = infer_resources(self.index, document)
        self.resources = ResourceHandlers(
            self.model,
            self.store,
            RecordFactory(
                document,
                self.synthesizer,
                self.store,
                self.model,
                self.index,
                self.timeline,
                self.coherer.derive,
            ),
            populate_new_scopes=populate_new_scopes,
            known=self.directory,
            visibility=Visibility(self._tenant_number, self._person_number),
        )
        self.steering = Steering(document, self.synthesizer, self.session, seed=seed)
        self.aggregates = Aggregates(document, self.model.roles, self.store, validators.fits)
        self.validate_responses = validate_responses
        self.authenticator = Authenticator(AuthMode.ANY)
        self._bodies: BoundedCache[tuple[str, ...], bytes] = BoundedCache(
            4096, max_bytes=BODIES_BYTES, weigh=text_weight
        )

    def start_sessions(self, backends: Backends | None = None, ttl: float | None = None) -> None:
        """From now on every request is in a session (the default one unless it names one);
        the store as it is now is the seeded world they all start from."""
        self.sessions = SessionBook(
            self.seeded,
            overrides=self._overrides,
            chaos=self._new_chaos,
            backends=backends,
            ttl=ttl,
        )
        self.store.book = self.sessions

    def _new_chaos(self) -> Chaos:
        chaos = Chaos(seed=self.seed)
        if self.chaos_defaults:
            chaos.update(self.chaos_defaults)
        return chaos

    def sessions_started(self) -> SessionBook:
        """The sessions, started now (with no backend and no expiry) if nobody started them."""
        if self.sessions is None:
            self.start_sessions()
            assert self.sessions is not None
        return self.sessions

    def session(self) -> Session:
        """The session the current request is in (the default one outside any)."""
        return self.sessions_started().current()

    @property
    def journal(self) -> Journal:
        return self.session().journal

    @property
    def overrides(self) -> OverrideBook:
        return self.session().overrides

    @property
    def chaos(self) -> Chaos:
        return self.session().chaos

    def handle(self, operation_id: str, request: MockRequest) -> MockResponse:
        operation = self.index.by_id[operation_id]
        if request.method != operation.method:  # HEAD answered by the GET operation
            request = replace(request, method=operation.method)
        try:
            name, query = session_of(request.headers, request.query)
        except SessionProblem as refused:
            response = self._error(operation, request, 400, refused.detail)
            return self._sent(operation_id, request, response, [summary(refused.detail)])
        if len(query) != len(request.query):
            request = replace(request, query=query)
        try:
            with self.sessions_started().entered(name):
                return self._handle(operation_id, operation, request)
        except TooManySessions as refused:
            response = self._error(operation, request, refused.status, refused.detail)
            return self._sent(operation_id, request, response, [summary(refused.detail)])

    def _handle(
        self, operation_id: str, operation: Operation, request: MockRequest
    ) -> MockResponse:
        preferences: Preferences | None = None
        if might_steer(request.headers, request.query):
            try:
                preferences, query = read_preferences(request.headers, request.query)
            except SteeringProblem as refused:
                response = self._error(operation, request, 400, refused.detail)
                problems = [f"steering: {summary(refused.detail)}"]
                return self._sent(operation_id, request, response, problems)
            request = replace(request, query=query)  # no filter or validation sees `__code`
        response, problems = self._answer(operation, request, preferences)
        return self._sent(operation_id, request, response, problems)

    def _sent(
        self, operation_id: str, request: MockRequest, response: MockResponse, problems: list[str]
    ) -> MockResponse:
        response.headers[OPERATION_HEADER] = operation_id
        if response.fault is not None:
            problems = [*problems, f"fault: {response.fault}"]
        self.journal.record(request, operation_id, response.status, problems)
        return response

    def _answer(
        self, operation: Operation, request: MockRequest, preferences: Preferences | None = None
    ) -> tuple[MockResponse, list[str]]:
        """The response, and what was wrong with the request or the response, if anything."""
        caller = self.authenticator.check(operation, request)
        if isinstance(caller, AuthProblem):
            response = self._error(operation, request, caller.status, caller.body)
            response.headers.update(caller.headers)
            self.steering.time(response, None, preferences)
            return response, [summary(caller.body)]
        problem, body = self.validator.accept(operation, request)
        problems = [] if problem is None else [summary(problem.body)]
        plan: Plan | None = None
        if problem is not None:
            response = self._error(operation, request, problem.status, problem.body)
        else:

            def normal() -> MockResponse:
                role = self.resources.role(operation)
                if role is None:
                    return self._success(operation, request)
                state = self.resources.answer(operation, role, request, body, caller)
                return self._render(operation, role, request, state)

            try:
                plan = self.steering.plan(operation, request, body, preferences)
                if plan is None:
                    response = normal()
                else:
                    response, known = self.steering.answer(operation, request, plan, normal)
                    if known:
                        self._name_problems(response, known)
                        problems += [f"response: {problem}" for problem in known]
            except SteeringProblem as refused:
                plan = None
                response = self._error(operation, request, 400, refused.detail)
                problems.append(f"steering: {summary(refused.detail)}")
        self.steering.time(response, plan, preferences)
        if self.validate_responses and (problem is None or problem_declared(operation, problem)):
            problems += self._check_response(operation, request, response)
        return response, problems

    def _error(
        self, operation: Operation, request: MockRequest, status: int, body: dict[str, Any]
    ) -> MockResponse:
        shaped = shaped_error(
            self.document, self.synthesizer, operation, status, body, request.path_params
        )
        return MockResponse(status, encode_json(shaped))

    def _render(
        self, operation: Operation, role: OperationRole, request: MockRequest, state: StateAnswer
    ) -> MockResponse:
        if state.error is not None:
            return self._error(operation, request, state.status, state.error)
        page: Page | None = None
        if state.records is not None:
            state.records, chosen = select(
                operation, role, request, state.records, self._tenant_number
            )
            if isinstance(chosen, InvalidPage):
                return self._error(operation, request, 404, {"detail": chosen.detail})
            page = chosen
        declared = resolve_ref(self.document, operation.responses.get(str(state.status), {}))
        content: Mapping[str, Any] = declared.get("content") or {}
        if not content or state.status in BODILESS_STATUSES:
            return MockResponse(state.status, b"", media_type=None)
        media_type = choose_media_type(content, request.headers.get("accept", ""))
        schema = content[media_type].get("schema", {})
        key = f"{operation.operation_id}|{state.status}|{request.path}"
        value = render_state(self.projector, schema, state, page, key, request.path_params)
        return MockResponse(state.status, encode_json(value), media_type=media_type)

    def _tenant_number(self, key: str) -> int:
        return self.directory.tenant(key).id

    def _person_number(self, tenant: str, username: str) -> int:
        return self.directory.person(tenant, username).id

    def _success(self, operation: Operation, request: MockRequest) -> MockResponse:
        status = operation.answer_status
        declared = resolve_ref(self.document, operation.responses.get(str(status), {}))
        content: Mapping[str, Any] = declared.get("content") or {}
        if not content or status in BODILESS_STATUSES:
            return MockResponse(status, b"", media_type=None)
        media_type = choose_media_type(content, request.headers.get("accept", ""))
        key = (operation.operation_id, str(status), request.path, media_type)
        body = self._bodies.get(key)
        if body is None:
            value = self.synthesizer.body(
                content[media_type], key="|".join(key), context=request.path_params
            )
            body = encode_json(value)
            self._bodies.put(key, body)
        totals = self.aggregates.plan(operation, content[media_type].get("schema", {}))
        if totals:  # the store changes: counted on every answer, never remembered
            with contextlib.suppress(orjson.JSONDecodeError):
                counted = self.aggregates.apply(orjson.loads(body), totals, request.path_params)
                body = encode_json(counted)
        return MockResponse(status, body, media_type=media_type)

    def _check_response(
        self, operation: Operation, request: MockRequest, response: MockResponse
    ) -> list[str]:
        problems = self.validator.response_problems(operation, request, response)
        if problems:
            log.warning("response of %s breaks the contract: %s", operation.operation_id, problems)
            self._name_problems(response, problems)
        return [f"response: {problem}" for problem in problems]

    @staticmethod
    def _name_problems(response: MockResponse, problems: list[str]) -> None:
        header = f"{len(problems)}: {problems[0]}"
        response.headers[RESPONSE_PROBLEMS_HEADER] = header.encode("latin-1", "replace").decode(
            "latin-1"
        )[:512]
