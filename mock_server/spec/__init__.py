"""Loading the OpenAPI document: parse, patch its known defects, index its operations."""

from __future__ import annotations

from mock_server.spec.loader import LoadedDocument, load_document

__all__ = ["LoadedDocument", "load_document"]
