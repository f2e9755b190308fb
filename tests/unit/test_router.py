"""The segment-trie router: concrete segments win, dead ends backtrack, methods come second."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.app import MockApplication
from mock_server.router import PathRouter, RouteMatch
from mock_server.routing import router_from_document
from mock_server.spec.index import (
    OperationIndex,
    is_template_segment,
    route_order,
    segments,
    specificity_key,
)

if TYPE_CHECKING:
    from conftest import ASGIClient


def router(*routes: tuple[str, str, str] | tuple[str, str, str, Sequence[str]]) -> PathRouter:
    built = PathRouter()
    for route in routes:
        template, method, operation_id, *integers = route
        built.add(template, method, operation_id, *integers)
    return built


def operation_at(built: PathRouter, path: str, method: str = "GET") -> str | None:
    match = built.match(path, method)
    return None if match is None else match.operation_id


# -- PathRouter on small inline template sets ----------------------------------------------


def test_literal_beats_parameter_whatever_the_insertion_order() -> None:
    for order in (1, -1):
        routes = [
            ("/users/{user_id}/{name}/", "get", "by_name"),
            ("/users/{user_id}/disclaimer-agreements/", "get", "agreements"),
        ][::order]
        built = router(*routes)
        assert operation_at(built, "/users/jdoe/disclaimer-agreements/") == "agreements"
        assert operation_at(built, "/users/jdoe/other/") == "by_name"


def test_the_first_differing_segment_decides() -> None:
    built = router(
        ("/a/{x}/c/", "get", "param_then_literal"),
        ("/a/b/{y}/", "get", "literal_then_param"),
    )
    # Both match /a/b/c/; they first differ at segment 2, where /a/b/... has a literal.
    assert operation_at(built, "/a/b/c/") == "literal_then_param"
    assert built.match("/a/b/c/", "GET") == RouteMatch(
        "/a/b/{y}/", {"y": "c"}, "literal_then_param", ("GET",)
    )
    assert operation_at(built, "/a/z/c/") == "param_then_literal"


def test_a_literal_branch_that_dead_ends_falls_back_to_the_parameter_branch() -> None:
    built = router(
        ("/orgs/{org}/users/", "get", "users"),
        ("/orgs/main/settings/", "get", "main_settings"),
    )
    match = built.match("/orgs/main/users/", "GET")
    assert match is not None
    assert match.operation_id == "users"
    assert match.path_params == {"org": "main"}
    assert operation_at(built, "/orgs/main/settings/") == "main_settings"
    assert built.match("/orgs/other/settings/", "GET") is None


def test_backtracking_restores_the_captured_values() -> None:
    built = router(
        ("/{a}/{b}/x/", "get", "deep"),
        ("/{a}/y/z/", "get", "other"),
    )
    match = built.match("/1/y/x/", "GET")
    assert match is not None
    assert (match.operation_id, match.path_params) == ("deep", {"a": "1", "b": "y"})


def test_integer_parameters_only_take_digits() -> None:
    built = router(("/items/{id}/", "get", "item", ["id"]))
    assert built.match("/items/42/", "GET") == RouteMatch(
        "/items/{id}/", {"id": "42"}, "item", ("GET",)
    )
    for segment in ("abc", "4x2", "1.5", "0x1"):
        assert built.match(f"/items/{segment}/", "GET") is None, segment


def test_a_non_integer_goes_to_the_string_sibling() -> None:
    built = router(
        ("/items/{id}/", "get", "by_id", ["id"]),
        ("/items/{slug}/", "get", "by_slug"),
    )
    assert operation_at(built, "/items/42/") == "by_id"
    assert operation_at(built, "/items/forty-two/") == "by_slug"


@pytest.mark.parametrize("segment", ["\u0663", "\u00b2", "\uff17"])
def test_non_ascii_digits_are_not_integers(segment: str) -> None:
    built = router(
        ("/items/{id}/", "get", "by_id", ["id"]),
        ("/items/{slug}/", "get", "by_slug"),
    )
    assert operation_at(built, f"/items/{segment}/") == "by_slug"


def test_the_path_decides_before_the_method() -> None:
    built = router(
        ("/a/{x}/", "post", "loose_post"),
        ("/a/b/", "get", "concrete_get"),
        ("/a/b/", "put", "concrete_put"),
    )
    # /a/b/ is known, but not for POST: Django answers 405 rather than trying /a/{x}/.
    match = built.match("/a/b/", "POST")
    assert match == RouteMatch("/a/b/", {}, None, ("GET", "PUT"))
    assert operation_at(built, "/a/b/", "get") == "concrete_get"
    assert operation_at(built, "/a/c/", "POST") == "loose_post"


def test_trailing_slash_tells_templates_apart() -> None:
    built = router(("/a/b/", "get", "slashed"), ("/a/c", "get", "bare"))
    assert operation_at(built, "/a/b/") == "slashed"
    assert built.match("/a/b", "GET") is None
    assert operation_at(built, "/a/c") == "bare"
    assert built.match("/a/c/", "GET") is None


def test_unknown_paths_do_not_match() -> None:
    built = router(("/a/{x}/", "get", "a"))
    for path in ("/", "", "/a/", "/b/x/", "/a/x/y/", "/a/x"):
        assert built.match(path, "GET") is None, path


# -- HEAD is answered by the GET operation: routing.py's middleware, seen through the app --------

CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/acme/users/jdoe/custom-instruction/"


def test_head_is_routed_to_the_get_operation(client: ASGIClient) -> None:
    response = client.request("HEAD", CUSTOM_INSTRUCTION)
    assert response.headers["x-mock-operation-id"] == (
        "ai_mentor_orgs_users_custom_instruction_retrieve"
    )


def test_head_on_a_path_without_get_is_405(mock_app: MockApplication, client: ASGIClient) -> None:
    path, operations = next(
        (path, ops)
        for path, ops in mock_app.engine.index.by_path.items()
        if "get" not in ops and not any(map(is_template_segment, segments(path)))
    )
    response = client.request("HEAD", path)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert "HEAD" not in allowed
    assert {m.upper() for m in operations} <= allowed


# -- router_from_document --------------------------------------------------------------------


def _document(paths: dict[str, Any], **components: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {}, "paths": paths, "components": components}


INTEGER_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def test_router_from_document_knows_integer_parameters() -> None:
    built = router_from_document(
        _document(
            {
                "/a/{id}/": {"get": {"operationId": "by_id", "parameters": [INTEGER_ID]}},
                "/a/{slug}/": {
                    "get": {
                        "operationId": "by_slug",
                        "parameters": [{"name": "slug", "in": "path", "required": True}],
                    }
                },
            }
        )
    )
    assert operation_at(built, "/a/3/") == "by_id"
    assert operation_at(built, "/a/three/") == "by_slug"


@pytest.mark.parametrize("where", ["path-item", "ref"])
def test_router_from_document_knows_shared_and_referenced_parameters(where: str) -> None:
    slug = {
        "get": {
            "operationId": "by_slug",
            "parameters": [{"name": "slug", "in": "path", "required": True}],
        }
    }
    if where == "path-item":
        item: dict[str, Any] = {"parameters": [INTEGER_ID], "get": {"operationId": "by_id"}}
        document = _document({"/a/{id}/": item, "/a/{slug}/": slug})
    else:
        reference = {"$ref": "#/components/parameters/Id"}
        item = {"get": {"operationId": "by_id", "parameters": [reference]}}
        document = _document({"/a/{id}/": item, "/a/{slug}/": slug}, parameters={"Id": INTEGER_ID})
    # The index (and so request validation) does see the integer parameter.
    assert OperationIndex.from_document(document).by_id["by_id"].parameters == (INTEGER_ID,)
    built = router_from_document(document)
    assert operation_at(built, "/a/3/") == "by_id"
    assert operation_at(built, "/a/three/") == "by_slug"


def test_router_from_document_accepts_operations_without_an_id() -> None:
    document = _document({"/a/": {"get": {"responses": {}}}})
    expected = OperationIndex.from_document(document).by_path["/a/"]["get"].operation_id
    assert operation_at(router_from_document(document), "/a/") == expected


# -- specificity_key and route_order ---------------------------------------------------------


def test_specificity_key_puts_literals_before_parameters() -> None:
    assert specificity_key("/users/{user_id}/disclaimer-agreements/") < specificity_key(
        "/users/{user_id}/{name}/"
    )
    assert specificity_key("/a/b/{x}/") < specificity_key("/a/{y}/c/")
    assert specificity_key("/a/{x}/") == specificity_key("/a/{y}")
    assert specificity_key("/a/") < specificity_key("/a/b/")


def test_route_order_is_concrete_first_and_stable() -> None:
    templates = ["/u/{id}/{name}/", "/u/{id}/agree/", "/u/me/{name}/", "/u/me/agree/", "/v/"]
    assert route_order(templates) == [
        "/u/me/agree/",
        "/u/me/{name}/",
        "/u/{id}/agree/",
        "/u/{id}/{name}/",
        "/v/",
    ]
    assert route_order(["/a/{x}/", "/a/{y}"]) == ["/a/{x}/", "/a/{y}"]


def test_route_order_of_the_document_puts_every_literal_first(mock_app: MockApplication) -> None:
    ordered = route_order(mock_app.loaded.document["paths"])
    assert sorted(ordered) == sorted(mock_app.loaded.document["paths"])
    keys = [specificity_key(path) for path in ordered]
    assert keys == sorted(keys)


# -- the router against a brute-force reference ----------------------------------------------
#
# The reference looks at every template matching the path and picks the lexicographically
# smallest specificity_key. specificity_key does not tell integer from string parameters; the
# router prefers an integer parameter to a string one at the same segment, so the reference
# refines the key the same way: literal < integer parameter < string parameter, per segment.

LITERALS = ("a", "b", "c")
PATH_SEGMENTS = ("a", "b", "c", "x", "7", "42", "a1", "007")


def _template(kinds: Sequence[str], slash: bool) -> str:
    parts = [
        f"{{i{depth}}}" if kind == "int" else f"{{s{depth}}}" if kind == "str" else kind
        for depth, kind in enumerate(kinds)
    ]
    return "/" + "/".join(parts) + ("/" if slash else "")


def _templates(kinds: Sequence[str]) -> st.SearchStrategy[list[str]]:
    one = st.builds(
        _template, st.lists(st.sampled_from(kinds), min_size=1, max_size=4), st.booleans()
    )
    return st.lists(one, min_size=1, max_size=12, unique=True)


MIXED = (*LITERALS, "int", "str")
STRINGS_ONLY = (*LITERALS, "str")


def _matches(template: str, path: str) -> bool:
    wanted, given_ = segments(template), segments(path)
    if len(wanted) != len(given_):
        return False
    if template.endswith("/") != (path.endswith("/") or not given_):
        return False
    for expected, segment in zip(wanted, given_, strict=True):
        if expected.startswith("{i"):
            if not re.fullmatch(r"[0-9]+", segment):
                return False
        elif not expected.startswith("{s") and expected != segment:
            return False
    return True


def _refined_key(template: str) -> tuple[Any, ...]:
    """`route_order`'s key (a literal beats a parameter at the first segment that differs), then,
    among templates alike in it, the integer parameter at the first place they differ."""
    kinds = tuple(0 if s.startswith("{i") else 1 for s in segments(template) if s.startswith("{"))
    return (specificity_key(template), kinds)


def _reference(templates: Sequence[str], path: str) -> str | None:
    matching = [t for t in templates if _matches(t, path)]
    return min(matching, key=_refined_key) if matching else None


def _build(templates: Sequence[str]) -> PathRouter:
    built = PathRouter()
    for template in templates:
        integers = [s[1:-1] for s in segments(template) if s.startswith("{i")]
        built.add(template, "get", f"op {template}", integers)
    return built


def _cases(kinds: Sequence[str]) -> st.SearchStrategy[tuple[list[str], str]]:
    @st.composite
    def templates_and_path(draw: st.DrawFn) -> tuple[list[str], str]:
        templates = draw(_templates(kinds))
        if draw(st.booleans()):
            # A path made from one of the templates, so that most draws match something.
            template = draw(st.sampled_from(templates))
            parts = []
            for segment in segments(template):
                if segment.startswith("{i"):
                    parts.append(draw(st.sampled_from(("7", "42", "007"))))
                elif segment.startswith("{s"):
                    parts.append(draw(st.sampled_from(PATH_SEGMENTS)))
                else:
                    parts.append(segment)
            slash = template.endswith("/")
        else:
            parts = draw(st.lists(st.sampled_from(PATH_SEGMENTS), max_size=5))
            slash = draw(st.booleans())
        return templates, "/" + "/".join(parts) + ("/" if slash and parts else "")

    return templates_and_path()


def _check_against_reference(templates: list[str], path: str) -> RouteMatch | None:
    match = _build(templates).match(path, "GET")
    expected = _reference(templates, path)
    assert (match.template if match else None) == expected
    if match is not None:
        assert match.operation_id == f"op {expected}"
        names = [s[1:-1] for s in segments(match.template) if is_template_segment(s)]
        pairs = zip(segments(match.template), segments(path), strict=True)
        values = [v for s, v in pairs if s.startswith("{")]
        assert match.path_params == dict(zip(names, values, strict=True))
    return match


@settings(max_examples=300, deadline=None)
@given(_cases(MIXED))
def test_router_agrees_with_brute_force(case: tuple[list[str], str]) -> None:
    _check_against_reference(*case)


@settings(max_examples=200, deadline=None)
@given(_cases(STRINGS_ONLY))
def test_with_string_parameters_the_router_picks_the_smallest_specificity_key(
    case: tuple[list[str], str],
) -> None:
    templates, path = case
    match = _check_against_reference(templates, path)
    if match is not None:
        best = min(specificity_key(t) for t in templates if _matches(t, path))
        assert specificity_key(match.template) == best
        # ...which is also what a first-match router over route_order picks.
        assert match.template == next(t for t in route_order(templates) if _matches(t, path))


def test_a_later_literal_beats_an_earlier_integer_preference() -> None:
    templates = ["/a/{i1}/{s2}/", "/a/{s1}/b/"]
    built = _build(templates)
    assert built.match("/a/7/b/", "GET") is not None
    expected = route_order(templates)[0]
    assert expected == "/a/{s1}/b/"
    assert built.match("/a/7/b/", "GET").template == expected  # type: ignore[union-attr]


@settings(max_examples=100, deadline=None)
@given(_templates(MIXED), st.permutations(range(12)))
def test_insertion_order_does_not_matter(templates: list[str], order: list[int]) -> None:
    shuffled = [templates[i] for i in order if i < len(templates)]
    forward, backward = _build(templates), _build(shuffled)
    for template in templates:
        path = re.sub(r"\{i\d\}", "5", re.sub(r"\{s\d\}", "x", template))
        assert forward.match(path, "GET") == backward.match(path, "GET")
