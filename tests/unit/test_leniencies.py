"""What the backend (DRF, django-filter) accepts though the schema forbids it, the mock accepts.

Each leniency the negative contract test allows (LENIENCIES in tests/contract/test_negative.py)
has a request here that shows it: the list is held to what the mock does, not a blanket ignore.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

CONTRACT = Path(__file__).parents[1] / "contract"
LIST = "/api/ai-mentor/orgs/main/mentors/m/email-inbox/"  # page and page_size: optional integers
SEARCH = "/api/search/prompts/"  # sort_by: an optional string of minLength 1

# kind -> (method, url, keyword arguments) of a request the schema forbids and DRF accepts
SHOWN: dict[str, tuple[str, str, dict[str, Any]]] = {
    "undeclared query parameter": ("GET", LIST + "?no_such_filter=%7B%7D", {}),
    "empty optional query value": ("GET", SEARCH + "?sort_by=", {}),
    "number for a string field": (
        "POST",
        "/api/ai-mentor/orgs/main/users/alice/sessions/",
        {"json": {"mentor": -40802853714}},
    ),
    "changed type in a form body": (
        "POST",
        "/api/ai-prompt/orgs/main/users/alice/prompt/",
        {
            "files": {
                "prompt": (None, "Quiz me"),
                "platform": (None, "-580"),
                "category": (None, "True"),
            }
        },
    ),
}


def _lenience_kinds() -> set[str]:
    sys.path[:0] = [str(CONTRACT)]
    try:
        spec = importlib.util.spec_from_file_location("negative", CONTRACT / "test_negative.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(CONTRACT))
        sys.modules.pop("negative", None)
    return {leniency.kind for leniency in module.LENIENCIES}


def test_every_allowed_leniency_is_shown_here() -> None:
    assert _lenience_kinds() == set(SHOWN)


@pytest.mark.parametrize("kind", sorted(SHOWN))
def test_the_mock_accepts_what_drf_accepts(client: Any, kind: str) -> None:
    method, url, options = SHOWN[kind]
    response = client.request(method, url, **options)
    assert response.status_code in (200, 201), response.text


def test_an_empty_page_size_is_the_default_page(client: Any) -> None:
    assert client.get(LIST + "?page_size=").status_code == 200


def test_a_repeated_query_parameter_is_judged_by_its_last_value(client: Any) -> None:
    # Django's QueryDict hands a view the last value of a repeated name.
    refused = client.get(LIST + "?page_size=3&page_size=abc")
    assert refused.status_code == 400
    assert refused.json() == {"page_size": ["A valid integer is required."]}
    assert client.get(LIST + "?page_size=abc&page_size=3").status_code == 200
    assert client.get(LIST + "?page_size=abc&page_size=").status_code == 200
