"""Give every operation of the document a role, from its path's kind and its own method.

Per path kind (see `classify`):

- collection: GET answering the list -> LIST (its filters are the query parameters other than
  page/page_size/limit/offset/search/ordering/format); POST creating the record -> CREATE;
  PUT/PATCH writing the record (or bodyless) -> REPLACE/UPDATE and DELETE -> DESTROY, the records
  being picked by query parameters or the body; any other POST/PUT/PATCH -> ACTION; a GET that
  answers one record instead of a list -> VIEW (nothing says which record).
- item: GET -> RETRIEVE, PUT -> REPLACE, PATCH -> UPDATE, DELETE -> DESTROY, POST -> ACTION on it.
- singleton: GET -> RETRIEVE, DELETE -> DESTROY, and POST/PUT/PATCH writing the record (or
  bodyless) -> CREATE/REPLACE/UPDATE; other writes -> ACTION.
- anything else: writes -> ACTION, reads -> VIEW (a GET under a state-changing verb such as
  `cancel` -> ACTION). A literal `create`/`new`, `update` or `delete` segment right under a
  collection, item or singleton is that path's CREATE, UPDATE or DESTROY.

Targets: an action or view whose path is a classified path plus literal segments
(`.../disclaimers/{id}/add-mentor/`, `.../bot/{id}/config/slack/update/`) targets that path's
records: it carries its resource, scope, id_param and id_field. When the template in between is
missing from the document, `C/{x}/...` under a collection `C` targets C's items, and
`P/create/` with an item `P/{x}/` targets that item's collection. A collection whose own template
ends in a parameter (`/orgs/{org}/users/{user_id}/`, which lists mentors) is not a target for the
literal paths below it: those are about the user, not about mentors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.model.classify import Classifier, PathFacts
from mock_server.model.paths import (
    CRUD_WORDS,
    NON_FILTERS,
    canonical_scope,
    changes_state_on_get,
    ends_with_param,
    last_literal,
    path_params,
    verb_word,
)
from mock_server.model.roles import OperationRole, ResourceKind, ResourceModel, Verb
from mock_server.model.schemas import (
    answer_of,
    choose_id_field,
    normalise,
    properties_of,
    request_of,
    shared_stems,
)
from mock_server.model.storage import settle
from mock_server.spec.index import OperationIndex, is_template_segment, segments

_K = ResourceKind
_CRUD = {"get": Verb.RETRIEVE, "put": Verb.REPLACE, "patch": Verb.UPDATE, "delete": Verb.DESTROY}
_SINGLE_WRITES = {"post": Verb.CREATE, "put": Verb.REPLACE, "patch": Verb.UPDATE}


@dataclass(frozen=True)
class Target:
    """The records an operation reads or writes: a classified (or implied) path's."""

    kind: ResourceKind
    path: str
    resource: str | None
    record_schema: str | None
    id_param: str | None = None
    collection_path: str | None = None

    @classmethod
    def of(cls, fact: PathFacts) -> Target:
        assert fact.kind is not None
        return cls(
            fact.kind,
            fact.path,
            fact.resource,
            fact.record_schema,
            fact.id_param,
            fact.collection_path,
        )


def infer_resources(index: OperationIndex, document: Mapping[str, Any]) -> ResourceModel:
    facts = _facts(index, document)
    classifier = Classifier(document, facts)
    classifier.run()
    roles: dict[str, OperationRole] = {}
    for operation in index:
        fact = facts[operation.path]
        kind, verb, target = _decide(classifier, fact, operation.method)
        roles[operation.operation_id] = _role(document, fact, operation.method, kind, verb, target)
    return settle(ResourceModel(roles), index, document)


def _facts(index: OperationIndex, document: Mapping[str, Any]) -> dict[str, PathFacts]:
    """Answers and bodies per path, with record names normalised the same way everywhere."""
    schemas = document.get("components", {}).get("schemas", {})
    raw: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    families: dict[tuple[str, ...], set[str]] = {}
    for path, operations in index.by_path.items():
        answers = {m: answer_of(document, op) for m, op in operations.items()}
        requests = {m: request_of(op) for m, op in operations.items()}
        raw[path] = (answers, requests)
        names = {a.schema for a in answers.values()} | set(requests.values())
        families.setdefault(_family(path), set()).update(n for n in names if n)
    # A stem two schemas of one family (`X/`, `X/{id}/`) share names a record type everywhere.
    shared = frozenset().union(*(shared_stems(names) for names in families.values()))

    def norm(name: str | None) -> str | None:
        return normalise(name, schemas, shared) if name else None

    facts: dict[str, PathFacts] = {}
    for path, (answers, requests) in raw.items():
        operations = index.by_path[path]
        facts[path] = PathFacts(
            path=path,
            ops=dict(operations),
            answers=answers,
            answered={m: norm(a.schema) if a.shape != "none" else None for m, a in answers.items()},
            taken={m: norm(name) for m, name in requests.items()},
            query={
                m: tuple(p["name"] for p in op.parameters if p.get("in") == "query")
                for m, op in operations.items()
            },
        )
    return facts


def _family(path: str) -> tuple[str, ...]:
    parts = segments(path)
    return tuple(parts[:-1] if parts and is_template_segment(parts[-1]) else parts)


Decision = tuple[ResourceKind, Verb, Target | None]


def _decide(classifier: Classifier, fact: PathFacts, method: str) -> Decision:
    if fact.kind is None:
        return _unclassified(classifier, fact, method)
    target = Target.of(fact)
    # A write that declares no body at all contradicts nothing a record write would do.
    fits = fact.writes_record(method) or (
        fact.answered[method] is None and fact.taken[method] is None
    )
    if fact.kind is _K.COLLECTION:
        return (*_on_collection(fact, method, fits), target)
    if fact.kind is _K.ITEM:
        return (*_on_item(fact, method), target)
    if method in _SINGLE_WRITES and not fits:
        return _K.ACTION, Verb.ACTION, target
    return _K.SINGLETON, _SINGLE_WRITES.get(method) or _CRUD[method], target


def _on_collection(fact: PathFacts, method: str, fits: bool) -> tuple[ResourceKind, Verb]:
    if method == "get":
        # A GET declaring no body contradicts nothing a list would answer.
        answer = fact.answers[method]
        listed = answer.is_list or answer.shape == "none"
        return (_K.COLLECTION, Verb.LIST) if listed else (_K.VIEW, Verb.VIEW)
    if method == "post":
        created = fact.writes_record(method)
        return (_K.COLLECTION, Verb.CREATE) if created else (_K.ACTION, Verb.ACTION)
    if method == "delete" or fits:
        return _K.COLLECTION, _CRUD[method]
    return _K.ACTION, Verb.ACTION


def _on_item(fact: PathFacts, method: str) -> tuple[ResourceKind, Verb]:
    if method == "post":
        return _K.ACTION, Verb.ACTION
    if method == "get" and fact.answers[method].is_list:
        return _K.VIEW, Verb.VIEW
    return _K.ITEM, _CRUD[method]


def _unclassified(classifier: Classifier, fact: PathFacts, method: str) -> Decision:
    target = _target(classifier, fact)
    crud = CRUD_WORDS.get((last_literal(fact.path) or "").lower())
    if crud and method != "get" and target is not None:
        compatible = {fact.answered[method], fact.taken[method]} & {target.resource, None}
        verb = Verb(crud)
        if compatible and (verb is not Verb.CREATE or target.kind is not _K.ITEM):
            return target.kind, verb, target
    word = verb_word(fact.path)
    if method == "get":
        if word is not None and changes_state_on_get(word):
            return _K.ACTION, Verb.ACTION, target
        return _K.VIEW, Verb.VIEW, target
    return _K.ACTION, Verb.ACTION, target


def _target(classifier: Classifier, fact: PathFacts) -> Target | None:
    """The classified path this one extends by literal segments, or the one it implies."""
    parts = segments(fact.path)
    steps = 0
    while parts and not is_template_segment(parts[-1]):
        parts, steps = parts[:-1], steps + 1
        key = tuple(parts)
        group = classifier.by_segments.get(key, [])
        found = next((f for f in group if f.kind is not None), None)
        if found is not None:
            # Deeper paths under an item are about that record (`bot/{id}/config/slack/update/`);
            # under a collection or singleton only the next segment is (`licenses/course/create/`).
            if found.kind is not _K.ITEM and (steps > 1 or ends_with_param(found.path)):
                return None
            return Target.of(found)
        if not group:
            implied = _implied(classifier, key)
            if implied is not None:
                return implied
    return None


def _implied(classifier: Classifier, key: tuple[str, ...]) -> Target | None:
    """A template the document lacks: `C/{x}` under a collection, or `P` above an item `P/{x}`."""
    path = "/" + "/".join(key) + "/"
    if key and is_template_segment(key[-1]):
        for parent in classifier.by_segments.get(key[:-1], []):
            if parent.kind is _K.COLLECTION and not ends_with_param(parent.path):
                return Target(
                    _K.ITEM,
                    path,
                    parent.resource,
                    parent.record_schema,
                    key[-1][1:-1],
                    parent.path,
                )
        return None
    for child in classifier.under.get(key, []):
        if child.kind is _K.ITEM:
            return Target(_K.COLLECTION, path, child.resource, child.record_schema)
    return None


def _role(
    document: Mapping[str, Any],
    fact: PathFacts,
    method: str,
    kind: ResourceKind,
    verb: Verb,
    target: Target | None,
) -> OperationRole:
    operation = fact.ops[method]
    answer = fact.answers[method]
    id_param = target.id_param if target else None
    scope_path = target.path if target else fact.path
    scope_params = canonical_scope(
        scope_path, tuple(p for p in path_params(scope_path) if p != id_param)
    )
    return OperationRole(
        operation_id=operation.operation_id,
        method=method,
        path=fact.path,
        kind=kind,
        verb=verb,
        resource=target.resource if target else None,
        scope=tuple(canonical for canonical, _ in scope_params),
        scope_params=scope_params,
        id_param=id_param,
        id_field=_id_field(document, fact, method, target) if target and id_param else None,
        collection_path=target.collection_path if target else None,
        paginated=answer.shape == "page",
        record_schema=answer.schema if answer.shape != "none" else None,
        request_schema=request_of(operation),
        list_params=_filters(fact, method) if verb is Verb.LIST else (),
    )


def _id_field(
    document: Mapping[str, Any], fact: PathFacts, method: str, target: Target
) -> str | None:
    assert target.id_param is not None
    parameter = next(
        (p for p in fact.ops[method].parameters if p.get("name") == target.id_param), {}
    )
    schema = parameter.get("schema", {}) if isinstance(parameter, Mapping) else {}
    properties = properties_of(document, target.record_schema)
    return choose_id_field(target.id_param, schema, properties, target.resource or "")


def _filters(fact: PathFacts, method: str) -> tuple[str, ...]:
    return tuple(name for name in fact.query.get(method, ()) if name not in NON_FILTERS)
