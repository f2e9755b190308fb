"""schemathesis's stateful phase: chains of calls linked through the records they create.

schemathesis infers the links between operations from the document (which declares none): a
create's answer feeds the id of a retrieve, update or delete. Besides the four contract checks,
`ensure_resource_availability` (what was created can be read) and `use_after_free` (what was
deleted cannot) hold the mock to its stateful promises. The budget is small by default (40
scenarios of 6 steps: a few create -> delete -> read chains among mostly reads);
IBL_MOCK_STATEFUL_SCENARIOS raises it (`make contract-deep`). The generic round trip in
tests/integration/test_state.py is what walks every collection/item pair deliberately.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free
from test_schemathesis import AUTHORIZATION, CHECKS, _sendable

from mock_server.spec import load_document

SCENARIOS = int(os.environ.get("IBL_MOCK_STATEFUL_SCENARIOS", "40"))
STEPS = int(os.environ.get("IBL_MOCK_STATEFUL_STEPS", "6"))

_config = SchemathesisConfig.from_dict({"generation": {"mode": "positive"}})
_schema = schemathesis.openapi.from_dict(load_document().document, config=_config)

pytestmark = pytest.mark.contract


class Workflow(_schema.as_state_machine()):  # type: ignore[misc]
    base_url: ClassVar[str] = ""
    # Failures are collected, not raised: hypothesis would replay a failing scenario against a
    # server whose state has moved on, and report that replay's inconsistency instead.
    failures: ClassVar[list[str]] = []

    def before_call(self, case: Any) -> None:
        hypothesis.assume(_sendable(case))

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"base_url": self.base_url, "headers": AUTHORIZATION}

    def validate_response(
        self,
        response: Any,
        case: Any,
        additional_checks: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        label = f"{case.method} {case.formatted_path} -> {response.status_code}"
        problems = response.headers.get("X-Mock-Response-Problems")
        if problems:
            self.failures.append(f"{label}: {problems}")
        try:
            case.validate_response(
                response,
                checks=[*CHECKS, ensure_resource_availability, use_after_free],
                transport_kwargs=kwargs or None,
            )
        except (FailureGroup, AssertionError) as failure:
            self.failures.append(f"{label}: {failure}")


def test_chains_of_calls_honour_the_contract_and_the_state(mock_server_url: str) -> None:
    Workflow.base_url = mock_server_url
    Workflow.failures.clear()
    Workflow.run(
        settings=hypothesis.settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            # No shrinking: a scenario replays against a server whose state moved on, so a
            # shrunk replay is not the same scenario; the first failure is the report.
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
    )
    assert not Workflow.failures, "\n\n".join(Workflow.failures[:5])
