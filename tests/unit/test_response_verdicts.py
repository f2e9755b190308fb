"""Remembered response verdicts: the same bytes get the same verdict, other bytes their own."""

from __future__ import annotations

import orjson

from mock_server.messages import MockRequest, MockResponse
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex
from mock_server.validation import ContractValidator

PATH = "/api/ai-mentor/orgs/{org}/users/{user_id}/disclaimer-agreements/"


def test_a_broken_answer_is_reported_every_time_and_a_good_one_never() -> None:
    document = load_document().document
    operation = OperationIndex.from_document(document).by_path[PATH]["get"]
    validator = ContractValidator(document)
    request = MockRequest("get", PATH, "http://t", {"org": "main", "user_id": "admin"})
    good = MockResponse(200, orjson.dumps({"count": 0, "next": None, "previous": None,
                                           "results": []}))  # fmt: skip
    broken = MockResponse(200, orjson.dumps({"count": "many", "results": []}))
    for _ in range(2):
        assert validator.response_problems(operation, request, good) == []
        problems = validator.response_problems(operation, request, broken)
        assert problems and "count" in problems[0]
    problems.append("a caller's own note")  # what the caller gets is its own list
    assert len(validator.response_problems(operation, request, broken)) == len(problems) - 1
