"""From a routed, validated request to the response: behaviour per operation."""

from __future__ import annotations

from mock_server.handlers.engine import MockEngine

__all__ = ["MockEngine"]
