"""Every operation of the document is reachable, and reached by its own URL only.

A first-match router fed the templates in document order (what Connexion and Starlette do)
sends some concrete URLs to a looser template that happens to come first: the client then
gets another operation's answer. These tests prove the mock's router does not, for every
template and every method of the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pytest
from operation_requests import concrete_path, live_path, request_kwargs

from mock_server.app import MockApplication
from mock_server.spec.index import (
    HTTP_METHODS,
    OperationIndex,
    is_template_segment,
    route_order,
    segments,
)

if TYPE_CHECKING:
    from conftest import ASGIClient

TEMPLATE_COUNT = 797
OPERATION_COUNT = 1176
SHADOWED_IN_DOCUMENT_ORDER = 64


@pytest.fixture(scope="module")
def index(mock_app: MockApplication) -> OperationIndex:
    return mock_app.engine.index


def test_the_document_has_the_known_number_of_templates_and_operations(
    mock_app: MockApplication, index: OperationIndex
) -> None:
    assert len(mock_app.loaded.document["paths"]) == TEMPLATE_COUNT
    assert len(index.by_path) == TEMPLATE_COUNT
    assert len(index) == OPERATION_COUNT
    assert mock_app.operation_count == OPERATION_COUNT


def test_test_values_cannot_be_mistaken_for_literal_segments(index: OperationIndex) -> None:
    literals = {s for path in index.by_path for s in segments(path) if not is_template_segment(s)}
    assert not [s for s in literals if s.startswith(("p-", "p_")) or s.isdigit()]


def test_every_operation_answers_under_its_own_id(
    mock_app: MockApplication, client: ASGIClient, index: OperationIndex
) -> None:
    failures: list[str] = []
    for operation in index:
        url = live_path(mock_app, operation)
        kwargs = request_kwargs(mock_app.engine.synthesizer, operation)
        response = client.request(operation.method.upper(), url, **kwargs)
        answered_by = response.headers.get("x-mock-operation-id")
        if answered_by != operation.operation_id or response.status_code != operation.answer_status:
            failures.append(
                f"{operation.method.upper()} {url} -> {response.status_code} "
                f"from {answered_by}, expected {operation.answer_status} from "
                f"{operation.operation_id}: {response.text[:200]}"
            )
    assert not failures, f"{len(failures)} operations misrouted:\n" + "\n".join(failures[:30])


def test_a_missing_method_on_a_known_path_is_405_not_a_looser_template(
    client: ASGIClient, index: OperationIndex
) -> None:
    failures: list[str] = []
    for path, operations in index.by_path.items():
        missing = next(m for m in ("patch", "put", "delete", "post", "get") if m not in operations)
        operation = next(iter(operations.values()))
        response = client.request(missing.upper(), concrete_path(operation))
        declared = {m.upper() for m in operations}
        expected_allow = declared | {"OPTIONS"} | ({"HEAD"} if "GET" in declared else set())
        allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
        if response.status_code != 405 or allow != expected_allow:
            failures.append(f"{missing.upper()} {path} -> {response.status_code}, Allow {allow}")
        elif response.json() != {"detail": f'Method "{missing.upper()}" not allowed.'}:
            failures.append(f"{missing.upper()} {path}: body {response.text[:200]}")
    assert not failures, f"{len(failures)} templates:\n" + "\n".join(failures[:30])


def _starlette_like(template: str) -> re.Pattern[str]:
    """What Starlette compiles a template to: each `{name}` matches one non-empty segment."""
    pieces = re.split(r"\{[^}/]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(piece) for piece in pieces) + "$")


def _first_match_misses(order: Iterable[str], index: OperationIndex) -> list[tuple[str, str]]:
    """(template, template that a first-match router takes instead) for each shadowed one."""
    compiled = [(template, _starlette_like(template)) for template in order]
    misses = []
    for template, operations in index.by_path.items():
        url = concrete_path(next(iter(operations.values())))
        first = next(candidate for candidate, regex in compiled if regex.match(url))
        if first != template:
            misses.append((template, first))
    return misses


def test_document_order_first_match_would_shadow_64_templates(
    mock_app: MockApplication, index: OperationIndex
) -> None:
    misses = _first_match_misses(mock_app.loaded.document["paths"], index)
    assert len(misses) == SHADOWED_IN_DOCUMENT_ORDER
    # A shadowed template loses to a looser one: a parameter where it has a literal.
    for template, winner in misses:
        assert winner in index.by_path
        assert sum(map(is_template_segment, segments(winner))) > sum(
            map(is_template_segment, segments(template))
        ), (template, winner)


def test_route_order_first_match_shadows_nothing(
    mock_app: MockApplication, index: OperationIndex
) -> None:
    assert _first_match_misses(route_order(mock_app.loaded.document["paths"]), index) == []


def test_index_lists_templates_in_route_order(
    mock_app: MockApplication, index: OperationIndex
) -> None:
    assert list(index.by_path) == route_order(mock_app.loaded.document["paths"])
    for path, operations in index.by_path.items():
        assert set(operations) <= set(HTTP_METHODS)
        assert all(operation.path == path for operation in operations.values())


def _kinds(index: OperationIndex, template: str) -> list[tuple[str, str]]:
    """Per segment: ("literal", text), ("int", name) or ("str", name)."""
    operation = next(iter(index.by_path[template].values()))
    integers = {
        p["name"]
        for p in operation.parameters
        if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
    }
    kinds = []
    for segment in segments(template):
        if not is_template_segment(segment):
            kinds.append(("literal", segment))
        else:
            kinds.append(("int" if segment[1:-1] in integers else "str", segment[1:-1]))
    return kinds


def _overlap_url(first: list[tuple[str, str]], second: list[tuple[str, str]]) -> str | None:
    """A path both templates match, or None if they cannot both match one path."""
    parts = []
    for (kind_a, text_a), (kind_b, text_b) in zip(first, second, strict=True):
        if kind_a == kind_b == "literal":
            if text_a != text_b:
                return None
            parts.append(text_a)
        elif "literal" in (kind_a, kind_b):
            literal = text_a if kind_a == "literal" else text_b
            if "int" in (kind_a, kind_b) and not literal.isdigit():
                return None
            parts.append(literal)
        else:
            parts.append("7" if "int" in (kind_a, kind_b) else "p-x")
    return "/" + "/".join(parts)


def test_where_two_templates_meet_the_router_picks_the_most_concrete(
    mock_app: MockApplication, index: OperationIndex
) -> None:
    """For every URL two templates both match, the router agrees with route_order."""
    groups: dict[tuple[int, bool], list[str]] = {}
    for template in index.by_path:
        groups.setdefault((len(segments(template)), template.endswith("/")), []).append(template)
    kinds = {template: _kinds(index, template) for template in index.by_path}

    def matches(template: str, url: str) -> bool:
        for (kind, text), segment in zip(kinds[template], segments(url), strict=True):
            if (kind == "literal" and text != segment) or (kind == "int" and not segment.isdigit()):
                return False
        return True

    overlaps = 0
    disagreements = []
    for (_, slash), templates in groups.items():
        ordered = route_order(templates)
        for i, first in enumerate(templates):
            for second in templates[i + 1 :]:
                url = _overlap_url(kinds[first], kinds[second])
                if url is None:
                    continue
                url += "/" if slash else ""
                overlaps += 1
                match = mock_app.router.match(url, "GET")
                expected = next(t for t in ordered if matches(t, url))
                if match is None or match.template != expected:
                    disagreements.append((url, match.template if match else None, expected))
    assert overlaps == 62  # pairs of templates of the document that some URL both matches
    assert not disagreements, disagreements[:20]
