"""Request and response validation against the document (openapi-core), errors in DRF's shapes."""

from __future__ import annotations

from mock_server.validation.contract import ContractValidator, RequestProblem

__all__ = ["ContractValidator", "RequestProblem"]
