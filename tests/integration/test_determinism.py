"""The same seed gives byte-identical answers: across instances, processes and hash seeds."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from operation_requests import (
    WORLD_VALUES,
    concrete_path,
    ends_in_parameter,
    live_path,
    request_kwargs,
)

from mock_server.app import MockApplication
from mock_server.settings import Settings
from mock_server.spec.index import Operation

if TYPE_CHECKING:
    from conftest import ASGIClient

Answers = dict[str, tuple[int, bytes]]


@pytest.fixture(scope="module")
def sample(mock_app: MockApplication) -> list[tuple[Operation, dict[str, Any]]]:
    """About 50 reads spread over the document, each with one fixed valid request.

    Reads only: a write's answer carries the time it was made (`created_at`), which no seed fixes.
    """
    operations = [op for op in mock_app.engine.index if op.method == "get"][::12]
    assert 45 <= len(operations) <= 55
    synthesizer = mock_app.engine.synthesizer
    return [(op, request_kwargs(synthesizer, op)) for op in operations]


def _answers(
    app: MockApplication,
    make_client: Callable[[Any], ASGIClient],
    sample: list[tuple[Operation, dict[str, Any]]],
) -> dict[str, tuple[int, bytes]]:
    client = make_client(app.asgi)
    answers: Answers = {}
    for operation, kwargs in sample:
        response = client.request(
            operation.method.upper(), live_path(app, operation, WORLD_VALUES), **kwargs
        )
        assert response.headers["x-mock-operation-id"] == operation.operation_id
        answers[operation.operation_id] = (response.status_code, response.content)
    return answers


@pytest.fixture(scope="module")
def seven(
    sample: list[tuple[Operation, dict[str, Any]]], make_client: Callable[[Any], ASGIClient]
) -> Answers:
    return _answers(MockApplication(Settings(seed=7)), make_client, sample)


def test_two_instances_with_one_seed_answer_byte_identical_bodies(
    sample: list[tuple[Operation, dict[str, Any]]],
    seven: Answers,
    make_client: Callable[[Any], ASGIClient],
) -> None:
    again = _answers(MockApplication(Settings(seed=7)), make_client, sample)
    assert again == seven
    assert sum(1 for _, body in seven.values() if body) >= 30


def test_another_seed_gives_other_data(
    mock_app: MockApplication,
    sample: list[tuple[Operation, dict[str, Any]]],
    seven: Answers,
    make_client: Callable[[Any], ASGIClient],
) -> None:
    eight_app = MockApplication(Settings(seed=8), loaded=mock_app.loaded)
    eight = _answers(eight_app, make_client, sample)
    assert {k: status for k, (status, _) in eight.items()} == {
        k: status for k, (status, _) in seven.items()
    }
    with_body = [key for key, (_, body) in seven.items() if body]
    differing = [key for key in with_body if eight[key][1] != seven[key][1]]
    assert len(differing) >= 0.8 * len(with_body), set(with_body) - set(differing)


_CHILD = textwrap.dedent(
    """
    import asyncio, base64, json, sys
    import httpx
    from mock_server.app import MockApplication
    from mock_server.settings import Settings

    requests = json.loads(sys.argv[1])
    app = MockApplication(Settings(seed=7))

    async def main():
        transport = httpx.ASGITransport(app=app.asgi)
        headers = {"Authorization": "Api-Key test-key"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as c:
            out = {}
            for op_id, method, url, kwargs in requests:
                r = await c.request(method, url, **kwargs)
                out[op_id] = [r.status_code, base64.b64encode(r.content).decode()]
            return out

    print(json.dumps(asyncio.run(main())))
    """
)


def test_another_process_with_another_hash_seed_answers_the_same_bytes(
    sample: list[tuple[Operation, dict[str, Any]]], seven: Answers
) -> None:
    # Paths without an item id: the other process sees the same URLs without sharing a store.
    chosen = [
        (op, kwargs)
        for op, kwargs in sample
        if seven[op.operation_id][1] and not ends_in_parameter(op)
    ][:6]
    requests = [
        [
            op.operation_id,
            op.method.upper(),
            concrete_path(op, WORLD_VALUES),
            {
                "params": kwargs["params"],
                **({"content": kwargs["content"].decode()} if "content" in kwargs else {}),
                **({"headers": kwargs["headers"]} if "headers" in kwargs else {}),
            },
        ]
        for op, kwargs in chosen
    ]
    hash_seed = "4242" if os.environ.get("PYTHONHASHSEED") != "4242" else "1717"
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(requests)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answered = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(answered) == len(chosen)
    for op_id, (status, body) in answered.items():
        assert (status, base64.b64decode(body)) == seven[op_id], op_id
