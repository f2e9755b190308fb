"""Response-body synthesis: valid, deterministic, realistic values from the OpenAPI document."""

from __future__ import annotations

from mock_server.synthesis.generator import Synthesizer

__all__ = ["Synthesizer"]
