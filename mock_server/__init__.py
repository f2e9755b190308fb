"""ibl-mock: a stateful mock server for the ibl-data-manager API, driven by its OpenAPI document."""

from __future__ import annotations

__version__ = "0.1.0"
