"""The refusal every steering parser raises, in the shape DRF answers a bad request with.

A control client reads `{"field": ["message"]}` (nested dicts for nested fields) as it reads the
platform's own 400s, so the same form code shows what was wrong with a steering request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class SteeringProblem(Exception):
    """A refused steering request; `detail` is a DRF-shaped 400 body: field name -> list of
    messages (nested for nested fields), or `{"detail": "..."}` for a non-field problem."""

    def __init__(self, detail: Mapping[str, Any]) -> None:
        self.detail: dict[str, Any] = dict(detail)
        super().__init__(self.detail)

    @classmethod
    def on(cls, field: str, message: str) -> SteeringProblem:
        return cls({field: [message]})

    @classmethod
    def general(cls, message: str) -> SteeringProblem:
        return cls({"detail": message})


class FieldErrors:
    """Collects the problems of every field of one payload, as DRF reports them all at once."""

    def __init__(self) -> None:
        self.detail: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.detail)

    def add(self, field: str, message: str) -> None:
        messages = self.detail.setdefault(field, [])
        if isinstance(messages, list) and message not in messages:
            messages.append(message)

    def absorb(self, problem: SteeringProblem, under: str | None = None) -> None:
        """A nested parser's refusal, as it is or nested under the field `under`."""
        if under is None:
            self.detail.update(problem.detail)
        else:
            self.detail[under] = problem.detail

    def raise_if_any(self) -> None:
        if self.detail:
            raise SteeringProblem(self.detail)


# DRF's own wording for the checks these parsers share.
NOT_A_NUMBER = "A valid number is required."
NOT_AN_INTEGER = "A valid integer is required."
NOT_A_BOOLEAN = "Must be a valid boolean."
NOT_A_STRING = "Not a valid string."


def require_object(payload: object) -> None:
    """A payload must be a JSON object; DRF's words when it is not."""
    if not isinstance(payload, Mapping):
        got = type(payload).__name__
        raise SteeringProblem(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {got}."]}
        )


def not_a_dict(value: object) -> str:
    return f'Expected a dictionary of items but got type "{type(value).__name__}".'


def not_a_list(value: object) -> str:
    return f'Expected a list of items but got type "{type(value).__name__}".'


def at_least(bound: float) -> str:
    return f"Ensure this value is greater than or equal to {plain_number(bound)}."


def at_most(bound: float) -> str:
    return f"Ensure this value is less than or equal to {plain_number(bound)}."


def unknown_field(known: tuple[str, ...]) -> str:
    return f"Unknown field; known fields: {', '.join(known)}."


def is_number(value: object) -> bool:
    """A finite JSON number; booleans are not numbers, though Python counts them as ints."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def plain_number(value: float) -> int | float:
    """200.0 shown as 200: what a client wrote, not how Python stored it."""
    return int(value) if float(value).is_integer() else value
