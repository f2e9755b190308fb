"""The body of `POST /__mock__/overrides`, read into an override's parts or refused.

Every field is checked and every problem reported at once, DRF-style, under the field's name
(nested for nested fields: `{"match": {"path": {"org": ["..."]}}}`, a sequence's entries under
their index). The contract check runs last, on a payload whose shape is right.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from mock_server.spec.index import Operation, OperationIndex
from mock_server.steering.contract import ResponseContract, declared_statuses, status_key
from mock_server.steering.delays import Delay, parse_delay
from mock_server.steering.overrides_fields import parse_headers, parse_match
from mock_server.steering.plans import FAULTS, NO_BODY, Fault, Match, PlannedAnswer
from mock_server.steering.problems import (
    NOT_A_BOOLEAN,
    NOT_A_NUMBER,
    NOT_A_STRING,
    NOT_AN_INTEGER,
    FieldErrors,
    SteeringProblem,
    at_least,
    is_integer,
    is_number,
    not_a_dict,
    not_a_list,
    require_object,
    unknown_field,
)

ANSWER_FIELDS = ("status", "body", "patch", "headers", "delay_ms", "delay", "fault")
OVERRIDE_FIELDS = ("operation", "match", *ANSWER_FIELDS, "times", "sequence", "allow_invalid")
# What `Override.to_json` adds to the installed form; taken back and ignored, so a listed
# override can be posted again as it is shown.
SHOWN_FIELDS = ("id", "used", "remaining", "problems")
_SHOWN_NAME = 100  # an unknown operationId is quoted only this far


@dataclass(frozen=True)
class ParsedOverride:
    operation: Operation
    match: Match
    answers: tuple[PlannedAnswer, ...]
    times: int | None
    allow_invalid: bool
    problems: tuple[str, ...]


class OverrideParser:
    def __init__(self, index: OperationIndex, contract: ResponseContract) -> None:
        self._index = index
        self._contract = contract

    def parse(self, payload: Mapping[str, Any]) -> ParsedOverride:
        require_object(payload)
        errors = FieldErrors()
        for key in payload:
            if key not in OVERRIDE_FIELDS and key not in SHOWN_FIELDS:
                errors.add(str(key), unknown_field(OVERRIDE_FIELDS))
        operation = self._operation(payload, errors)
        match = Match()
        if "match" in payload and operation is not None:
            try:
                match = parse_match(payload["match"], operation)
            except SteeringProblem as problem:
                errors.absorb(problem, "match")
        answers = self._answers(payload, operation, errors)
        times = _times(payload.get("times"), errors)
        allow_invalid = payload.get("allow_invalid", False)
        if not isinstance(allow_invalid, bool):
            errors.add("allow_invalid", NOT_A_BOOLEAN)
        errors.raise_if_any()
        assert operation is not None  # a missing or unknown one is an error above
        answers, problems = self._checked(operation, answers, "sequence" in payload, allow_invalid)
        return ParsedOverride(operation, match, answers, times, allow_invalid, problems)

    def _operation(self, payload: Mapping[str, Any], errors: FieldErrors) -> Operation | None:
        if "operation" not in payload:
            errors.add("operation", "This field is required.")
            return None
        name = payload["operation"]
        if not isinstance(name, str):
            errors.add("operation", NOT_A_STRING)
            return None
        operation = self._index.by_id.get(name)
        if operation is None:
            message = f'"{name[:_SHOWN_NAME]}" is not an operationId of the document.'
            # Only a plausible name is compared: difflib is quadratic in the name's length.
            close = (
                difflib.get_close_matches(name, self._index.by_id, n=3, cutoff=0.75)
                if len(name) <= 2 * _SHOWN_NAME
                else []
            )
            if close:
                message += f" Did you mean {', '.join(close)}?"
            errors.add("operation", message)
        return operation

    def _answers(
        self, payload: Mapping[str, Any], operation: Operation | None, errors: FieldErrors
    ) -> tuple[PlannedAnswer, ...]:
        if "sequence" not in payload:
            answer = _guard(errors, None, lambda: parse_answer(payload, operation))
            return (answer,) if answer is not None else ()
        for key in ANSWER_FIELDS:
            if key in payload:
                errors.add(key, "Not allowed beside a sequence; give it in each entry.")
        entries = payload["sequence"]
        if not isinstance(entries, list):
            errors.add("sequence", not_a_list(entries))
            return ()
        if not entries:
            errors.add("sequence", "This list may not be empty.")
            return ()
        answers: list[PlannedAnswer] = []
        entry_errors: dict[str, Any] = {}
        for position, entry in enumerate(entries):
            try:
                if not isinstance(entry, Mapping):
                    raise SteeringProblem({"non_field_errors": [not_a_dict(entry)]})
                unknown = [str(key) for key in entry if key not in ANSWER_FIELDS]
                answers.append(parse_answer(entry, operation, unknown=unknown))
            except SteeringProblem as problem:
                entry_errors[str(position)] = problem.detail
        if entry_errors:
            errors.detail["sequence"] = entry_errors
        return tuple(answers)

    def _checked(
        self,
        operation: Operation,
        answers: tuple[PlannedAnswer, ...],
        in_sequence: bool,
        allow_invalid: bool,
    ) -> tuple[tuple[PlannedAnswer, ...], tuple[str, ...]]:
        """Answers with a body checked against the contract: refused, or kept with their
        problems when `allow_invalid`."""
        checked: list[PlannedAnswer] = []
        kept: list[str] = []
        refusals: dict[str, Any] = {}
        for position, answer in enumerate(answers):
            if not answer.has_body:
                checked.append(answer)
                continue
            status = answer.status if answer.status is not None else operation.answer_status
            found = self._contract.body_problems(operation, status, answer.body)
            where = f"sequence/{position}: " if in_sequence else ""
            kept += [where + problem for problem in found]
            checked.append(replace(answer, problems=tuple(found)))
            if found:
                context = f"Not a valid {status} response of {operation.operation_id}"
                refusals[str(position)] = {"body": [f"{context}: {p}" for p in found]}
        if refusals and not allow_invalid:
            detail = {"sequence": refusals} if in_sequence else refusals["0"]
            raise SteeringProblem(detail)
        return tuple(checked), tuple(kept)


def parse_answer(
    entry: Mapping[str, Any], operation: Operation | None, *, unknown: list[str] | None = None
) -> PlannedAnswer:
    """One answer from the answer fields of `entry`; `operation` None: its statuses unknown."""
    errors = FieldErrors()
    for key in unknown or ():
        errors.add(key, unknown_field(ANSWER_FIELDS))
    status = entry.get("status")
    if status is not None:
        if not is_integer(status):
            errors.add("status", NOT_AN_INTEGER)
        elif not 100 <= status <= 599:
            errors.add("status", "Not an HTTP status.")
        elif operation is not None and status_key(operation.responses, status) is None:
            errors.add(
                "status",
                f"{status} is not a declared response of {operation.operation_id}; "
                f"declared: {declared_statuses(operation)}.",
            )
    if "body" in entry and "patch" in entry:
        errors.add("patch", "Give either body or patch, not both.")
    patch = entry.get("patch")
    if patch is not None and not isinstance(patch, Mapping):
        errors.add("patch", not_a_dict(patch))
    headers: dict[str, str] | None = None
    if not isinstance(entry.get("headers", {}), Mapping):
        errors.add("headers", not_a_dict(entry["headers"]))
    else:
        headers = _guard(errors, "headers", lambda: parse_headers(entry.get("headers", {})))
    delay: Delay | None = None
    if "delay_ms" in entry and "delay" in entry:
        errors.add("delay", "Give either delay or delay_ms, not both.")
    elif "delay_ms" in entry:
        if is_number(entry["delay_ms"]):
            delay = _guard(errors, None, lambda: parse_delay(entry["delay_ms"], "delay_ms"))
        else:
            errors.add("delay_ms", NOT_A_NUMBER)
    elif entry.get("delay") is not None:
        delay = _guard(errors, None, lambda: parse_delay(entry["delay"], "delay"))
    fault = entry.get("fault")
    if fault is not None and not (isinstance(fault, str) and fault in FAULTS):
        choices = ", ".join(sorted(FAULTS))
        errors.add("fault", f'"{fault}" is not a valid choice; choices: {choices}.')
    errors.raise_if_any()
    # Copies: the caller's payload may change after installation; the override must not.
    return PlannedAnswer(
        status=status,
        body=copy.deepcopy(entry["body"]) if "body" in entry else NO_BODY,
        patch=copy.deepcopy(patch),
        headers=headers or {},
        delay=delay,
        fault=cast(Fault | None, fault),
    )


def _times(value: object, errors: FieldErrors) -> int | None:
    if value is None:  # absent, or null as `Override.to_json` shows "forever"
        return None
    if not is_integer(value):
        errors.add("times", NOT_AN_INTEGER)
        return None
    assert isinstance(value, int)
    if value < 1:
        errors.add("times", at_least(1))
        return None
    return value


T = TypeVar("T")


def _guard(errors: FieldErrors, under: str | None, parse: Callable[[], T]) -> T | None:
    """`parse()`, or None with its refusal added to `errors` (nested under `under`)."""
    try:
        return parse()
    except SteeringProblem as problem:
        errors.absorb(problem, under)
        return None
