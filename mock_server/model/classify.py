"""Give each path template a kind (collection, item, singleton) from its operations' schemas.

Rules, in the order they are applied (a path takes the first kind that fits; a path whose last
literal segment is verb-like never takes one):

1. Collection: GET answers a list (a page or a bare array) of named records `R`, and the path
   also creates `R` (a POST answering `R` or taking a body that normalises to `R`), or writes with
   PUT/PATCH/DELETE (DRF views that pick records by query), or has an item template under it
   (`P/{x}`), whatever that item's detail serializer is called. Also a path with no list whose
   POST creates the `R` an item child answers, or answers the key an item child takes
   (`POST .../sessions/` answering `session_id`, read at `.../sessions/{session_id}/`).
2. Item: a path ending in a parameter whose parent template is a collection (the item is then
   that collection's `R`), or whose parent is itself an item (`/users/{user_id}/{name}/` under
   a `/users/{user_id}/` that lists mentors).
3. Singleton per scope: GET answers one record `R` and POST/PUT/PATCH answer or take `R`, on a
   path ending in a literal, or in a scope parameter (`/companies/users/{username}/`: one record
   per user).
4. Item without a collection: a parameter-ending path with PUT/PATCH/DELETE.
5. Weaker reads, decided once 1-4 have said which resource types can be stored: a GET-only
   parameter-ending path answering a stored type is an item (`.../mentors/{mentor}/` of
   Mentor); a read-only list of a stored type is a collection; a read-only list taking a period
   (`start_date`, `group_by`, ...) is a view; one whose items carry an identifier (`id`,
   `unique_id`, `<resource>_id`) is a collection; anything else is a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.model.paths import (
    canonical_scope,
    ends_with_param,
    is_periodic,
    path_params,
    resource_from_path,
    verb_word,
)
from mock_server.model.roles import ResourceKind
from mock_server.model.schemas import Answer, is_record, properties_of
from mock_server.spec.index import Operation, segments

_WRITES = ("post", "put", "patch", "delete")
_SCOPES = frozenset({"tenant", "user", "mentor"})


@dataclass
class PathFacts:
    """One path template: what its operations answer and take, and the kind it turned out to be."""

    path: str
    ops: dict[str, Operation]
    answers: dict[str, Answer]
    answered: dict[str, str | None]  # method -> normalised resource of the answer
    taken: dict[str, str | None]  # method -> normalised resource of the JSON request body
    query: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kind: ResourceKind | None = None
    resource: str | None = None
    record_schema: str | None = None
    id_param: str | None = None
    collection_path: str | None = None
    # Other names the same records are answered as (an item's detail serializer).
    aliases: frozenset[str] = frozenset()

    @property
    def parent(self) -> tuple[str, ...]:
        return tuple(segments(self.path)[:-1])

    def list_resource(self) -> str | None:
        answer = self.answers.get("get")
        return self.answered["get"] if answer and answer.is_list else None

    def one_resource(self) -> str | None:
        answer = self.answers.get("get")
        return self.answered["get"] if answer and answer.shape == "object" else None

    def matches(self, method: str, resource: str | None) -> bool:
        if method not in self.ops or resource is None:
            return False
        return resource in (self.answered[method], self.taken[method])

    def writes_record(self, method: str) -> bool:
        return any(self.matches(method, name) for name in {self.resource, *self.aliases})

    def writes_to(self, resource: str | None, methods: tuple[str, ...] = _WRITES) -> bool:
        return any(self.matches(method, resource) for method in methods)


class Classifier:
    def __init__(self, document: Mapping[str, Any], facts: dict[str, PathFacts]) -> None:
        self.document = document
        self.facts = facts
        self.by_segments: dict[tuple[str, ...], list[PathFacts]] = {}
        self.under: dict[tuple[str, ...], list[PathFacts]] = {}  # parameter-ending children
        for fact in facts.values():
            self.by_segments.setdefault(tuple(segments(fact.path)), []).append(fact)
            if ends_with_param(fact.path):
                self.under.setdefault(fact.parent, []).append(fact)

    def run(self) -> None:
        candidates = [f for f in self.facts.values() if verb_word(f.path) is None]
        for fact in candidates:
            self._strong_collection(fact)
        # Shallow paths first, so a nested item sees whether its parent is an item.
        for fact in sorted(candidates, key=lambda f: len(segments(f.path))):
            if fact.kind is None:
                self._item_or_singleton(fact)
        stored = {f.resource for f in self.facts.values() if f.kind is not None}
        for fact in candidates:
            if fact.kind is None:
                self._weak(fact, stored)

    def children(self, fact: PathFacts) -> list[PathFacts]:
        """Parameter-ending templates directly under `fact`."""
        return self.under.get(tuple(segments(fact.path)), [])

    def parents(self, fact: PathFacts) -> list[PathFacts]:
        return self.by_segments.get(fact.parent, [])

    def _strong_collection(self, fact: PathFacts) -> None:
        listed = fact.list_resource()
        kids = self.children(fact)
        if listed is not None:
            # A list with an item template under it is a list/detail pair even when the detail
            # serializer differs (`HeygenMarketingVideoList` listed, `HeygenVideoDetail` got).
            if fact.writes_to(listed, ("post", "put", "patch")) or "delete" in fact.ops or kids:
                self._set(fact, ResourceKind.COLLECTION, listed, fact.answers["get"].schema)
                fact.aliases = frozenset(
                    name for kid in kids if (name := kid.answered.get("get")) and name != listed
                )
            return
        for created in (fact.answered.get("post"), fact.taken.get("post")):
            if created and any(kid.writes_to(created, ("get", "put", "patch")) for kid in kids):
                self._set(fact, ResourceKind.COLLECTION, created, self._schema_of(fact, "post"))
                return
        post = fact.answers.get("post")
        if post is None or post.shape != "object":
            return
        answered = properties_of(self.document, post.schema)
        if any("get" in kid.ops and path_params(kid.path)[-1] in answered for kid in kids):
            # The create answers the key its item child takes (`POST .../sessions/` answers
            # `session_id`, read back at `.../sessions/{session_id}/`), whatever each shows.
            created = fact.answered["post"] or fact.taken.get("post")
            self._set(fact, ResourceKind.COLLECTION, created, post.schema)

    def _item_or_singleton(self, fact: PathFacts) -> None:
        own = fact.one_resource()
        if ends_with_param(fact.path):
            collection = next(
                (p for p in self.parents(fact) if p.kind is ResourceKind.COLLECTION), None
            )
            if collection is not None:
                self._item(fact, collection.resource, collection)
                return
            if own and any(p.kind is ResourceKind.ITEM for p in self.parents(fact)):
                self._item(fact, own, None)
                return
            if self._ends_with_scope(fact) and self._singleton_writes(fact, own):
                self._set(fact, ResourceKind.SINGLETON, own, self._schema_of(fact, "get"))
                return
            if any(method in fact.ops for method in _WRITES[1:]):
                self._item(fact, own or self._write_resource(fact), None)
            return
        if own and fact.list_resource() is None and self._singleton_writes(fact, own):
            self._set(fact, ResourceKind.SINGLETON, own, self._schema_of(fact, "get"))

    def _weak(self, fact: PathFacts, stored: set[str | None]) -> None:
        own = fact.one_resource()
        if ends_with_param(fact.path) and own in stored:
            self._item(fact, own, None)
            return
        listed = fact.list_resource()
        if listed is None:
            return
        schema = fact.answers["get"].schema
        identified = is_record(properties_of(self.document, schema), listed)
        if listed in stored or (identified and not _periodic(fact)):
            self._set(fact, ResourceKind.COLLECTION, listed, schema)

    def _item(self, fact: PathFacts, resource: str | None, collection: PathFacts | None) -> None:
        own_schema = self._schema_of(fact, "get")
        schema = own_schema or (collection.record_schema if collection else None)
        self._set(fact, ResourceKind.ITEM, resource, schema)
        fact.id_param = path_params(fact.path)[-1]
        fact.collection_path = collection.path if collection else None

    def _set(
        self, fact: PathFacts, kind: ResourceKind, resource: str | None, schema: str | None
    ) -> None:
        # No schema names the record: the path's own noun does (`disclaimer-agreements`).
        fact.kind, fact.resource = kind, resource or resource_from_path(fact.path)
        fact.record_schema = schema

    def _singleton_writes(self, fact: PathFacts, own: str | None) -> bool:
        """GET and POST/PUT/PATCH exchange one record: the same schema, or no schema at all (only
        trusted under a scope parameter: `/resume/orgs/{org}/users/{username}/`)."""
        if own is not None:
            return fact.writes_to(own, _WRITES[:3])
        writes = [m for m in _WRITES[:3] if m in fact.ops]
        if "get" not in fact.ops or fact.answers["get"].shape != "none" or not writes:
            return False
        return all(fact.answered[m] is None and fact.taken[m] is None for m in writes)

    def _ends_with_scope(self, fact: PathFacts) -> bool:
        last = path_params(fact.path)[-1]
        return canonical_scope(fact.path, (last,))[0][0] in _SCOPES

    def _write_resource(self, fact: PathFacts) -> str | None:
        for method in _WRITES:
            found = fact.answered.get(method) or fact.taken.get(method)
            if found:
                return found
        return None

    def _schema_of(self, fact: PathFacts, method: str) -> str | None:
        answer = fact.answers.get(method)
        return answer.schema if answer is not None and answer.shape != "none" else None


def _periodic(fact: PathFacts) -> bool:
    return is_periodic(fact.query.get("get", ()))
