"""The mock's dashboard at `/`: one HTML page, its script and its style, shipped as files.

The page reads the control API (`/__mock__/*`) from the browser; nothing here knows the web
framework (app.py serves these bytes). No build step and nothing fetched from elsewhere, so
it works offline.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

ASSET_PREFIX = "/__dashboard__/"
PAGE = "index.html"
ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
# The page runs only its own script and calls only its own origin.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@cache
def read(name: str) -> bytes:
    return files(__name__).joinpath(name).read_bytes()


def page() -> bytes:
    return read(PAGE)


def asset(name: str) -> tuple[bytes, str] | None:
    """An asset's bytes and media type; None for any other name."""
    media_type = ASSETS.get(name)
    return None if media_type is None else (read(name), media_type)
