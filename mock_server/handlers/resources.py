"""Stateful behaviour: what a client writes to a resource, it reads back.

Each operation's role (see `mock_server.model`) says what it does to which records:
- collection: LIST the records visible from the path's scope, CREATE one in that scope;
- item: RETRIEVE / REPLACE / UPDATE / DESTROY the record whose id field the path names;
- singleton: one record per scope, created by its first write or seeded on first read.
Actions and views are not state: the engine answers them from synthesis.

A scope of the world (a tenant of the world file, and one of its users where the path names one)
is seeded on first use with a few records synthesized from the seed, deterministically for a
given order of requests, as if it had always had them. A scope the world does not know starts as
a new account does: its lists empty, its singletons 404 until written; `populate_new_scopes`
seeds those too, on a list or a write, never on a failed lookup. Records missing from a scope,
deleted, or belonging to another scope are DRF's 404. Who may see and change which of them is
`visibility.py`'s rule (`--auth fixtures`): a record the caller may not see is a 404 too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mock_server.handlers.query import Page
from mock_server.handlers.records import RecordFactory
from mock_server.handlers.visibility import Access, Viewer, Visibility, restricted
from mock_server.messages import MockRequest
from mock_server.model import OperationRole, ResourceKind, ResourceModel, Verb
from mock_server.model.membership import Membership
from mock_server.spec.index import Operation
from mock_server.store import Record, Store

NOT_FOUND = {"detail": "Not found."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
SEEDED_PER_SCOPE = 3
# A scope value that may be populated: what a username or a tenant key looks like. Anything else
# (NUL, `%ff`, spaces) is answered, but seeds nothing.
_SEEDABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,149}")


@dataclass
class StateAnswer:
    """What the stateful layer decided; the engine renders it through the declared schema."""

    status: int
    record: dict[str, Any] | None = None
    records: list[dict[str, Any]] | None = None
    page: Page | None = None
    error: dict[str, Any] | None = None


class KnownWorld(Protocol):
    """Who the world file names (`coherence.Directory`)."""

    def knows_tenant(self, key: str) -> bool: ...

    def knows_person(self, tenant: str | None, username: str) -> bool: ...


class ResourceHandlers:
    def __init__(
        self,
        model: ResourceModel,
        store: Store,
        records: RecordFactory,
        *,
        populate_new_scopes: bool = False,
        known: KnownWorld | None = None,
        visibility: Visibility | None = None,
    ) -> None:
        self.model = model
        self.store = store
        self.records = records
        self.populate_new_scopes = populate_new_scopes
        self.known = known
        self.visibility = visibility
        self._lists = _lists_by_resource(model)
        records.linker.provide = self.provide

    def role(self, operation: Operation) -> OperationRole | None:
        """The operation's role when the store answers it (the model decides); None when
        synthesis does."""
        role = self.model.roles.get(operation.operation_id)
        return role if role is not None and role.stored else None

    def answer(
        self,
        operation: Operation,
        role: OperationRole,
        request: MockRequest,
        body: Any,
        viewer: Viewer | None = None,
    ) -> StateAnswer:
        """`viewer` is who asks; a viewer bound to a tenant sees what `visibility.py` allows."""
        checked = viewer if self.visibility is not None and restricted(viewer) else None
        call = _Call(role, request, operation.answer_status, _writes(body), checked)
        if role.kind is ResourceKind.SINGLETON:
            return self._singleton(call)
        if role.verb is Verb.ACTION:
            return self._act(call, body)
        if role.verb is Verb.LIST:
            self._seed(call, listing=True)
            records = self.store.find(role.resource or "", call.scope)
            if checked is not None and self.visibility is not None:
                records = self.visibility.visible(checked, role, records)
            return StateAnswer(call.status, records=[r.data for r in records])
        if role.verb is Verb.CREATE:
            self._seed(call, listing=True)  # the seeded records come first
            record = self.records.create(role, call.scope, self._context(call), call.writes)
            return StateAnswer(call.status, record=record.data)
        return self._item(call)

    def _context(self, call: _Call) -> dict[str, str]:
        """A new record's path values; a learner's create on a path naming no user names them,
        so the owner fields are theirs and they see what they made."""
        context, viewer, rule = call.context, call.viewer, self.visibility
        if viewer is not None and rule is not None and rule.owns_new(viewer, call.role):
            context["username"] = viewer.username or ""
        return context

    def _refusal(self, call: _Call, record: Record, *, changes: bool) -> StateAnswer | None:
        """DRF's 404 for a record the viewer may not see, its 403 for one they may only read."""
        if call.viewer is None or self.visibility is None:
            return None
        access = self.visibility.access(call.viewer, call.role, record)
        if access is Access.HIDDEN:
            return StateAnswer(404, error=dict(NOT_FOUND))
        if access is Access.READ and changes:
            return StateAnswer(403, error=dict(FORBIDDEN))
        return None

    def existing(self, role: OperationRole, path_params: Mapping[str, str]) -> list[Record]:
        """The records a request with these path values would see, seeding the scope first."""
        call = _Call(role, MockRequest("get", "", "", path_params), 200, {})
        self._seed(call, listing=True)
        return self.store.find(role.resource or "", call.scope)

    def _seed(self, call: _Call, *, listing: bool = False) -> None:
        """Give a scope of the world its records on first use, as if it had always had them.

        A scope the world does not know is populated only on request (`populate_new_scopes`),
        and then by a list or a write: a lookup that may fail seeds nothing.
        """
        role = call.role
        scope = call.scope
        if not all(_SEEDABLE.fullmatch(value) for value in scope.values()):
            return
        if not self._known(scope) and not (self.populate_new_scopes and listing):
            return
        if self.store.claim_seed(role.resource or "", scope):
            count = 1 if role.kind is ResourceKind.SINGLETON else SEEDED_PER_SCOPE
            with self.records.linker.batch():
                for _ in range(count):
                    self.records.create(role, call.scope, call.context, {}, seeded=True)

    def provide(self, resource: str, scope: Mapping[str, str]) -> None:
        """Seed `resource` where a record of `scope` would look for it, as a list would."""
        for role in self._lists.get(resource, ()):
            if set(role.scope) <= scope.keys() and self.records.knows(role):
                params = {param: scope[canonical] for canonical, param in role.scope_params}
                self._seed(_Call(role, MockRequest("get", "", "", params), 200, {}))
                return

    def _known(self, scope: Mapping[str, str]) -> bool:
        """Whether the world file names the scope's tenant and, if it has one, its user."""
        if self.known is None:
            return True
        tenant = scope.get("tenant")
        if tenant is not None and not self.known.knows_tenant(tenant):
            return False
        user = scope.get("user")
        return user is None or self.known.knows_person(tenant, user)

    def _membership(self, role: OperationRole) -> tuple[Membership, str] | None:
        """The membership change an action's name describes, and the record field it changes."""
        if role.id_param is None:
            return None
        membership = Membership.of(role.path)
        if membership is None:
            return None
        field = membership.field(self.records.properties(role))
        return (membership, field) if field is not None else None

    def _act(self, call: _Call, body: Any) -> StateAnswer:
        record = self._lookup(call)
        if record is None:
            return StateAnswer(404, error=dict(NOT_FOUND))
        refused = self._refusal(call, record, changes=True)
        if refused is not None:
            return refused
        change = self._membership(call.role)
        if change is not None:
            membership, field = change
            item_schema = self.records.properties(call.role)[field]
            values = [v for v in membership.values(body) if self.records.fits_item(item_schema, v)]
            changes = {field: membership.apply(record.data.get(field), values)}
            changes.update(self.records.derived(call.role, {**record.data, **changes}))
            record = self.store.update(record, changes)
        return StateAnswer(call.status, record=record.data)

    def _lookup(self, call: _Call) -> Record | None:
        role = call.role
        self._seed(call)
        value = call.request.path_params.get(role.id_param or "", "")
        field = self.records.lookup_field(role)
        return self.store.get(role.resource or "", call.scope, field, value)

    def _item(self, call: _Call) -> StateAnswer:
        record = self._lookup(call)
        if record is None:
            return StateAnswer(404, error=dict(NOT_FOUND))
        return self._refusal(call, record, changes=_changes(call.role)) or self._apply(call, record)

    def _singleton(self, call: _Call) -> StateAnswer:
        role, scope = call.role, call.scope
        existing = [r for r in self.store.find(role.resource or "", scope) if r.scope == scope]
        if not existing and role.verb is not Verb.CREATE:
            seen = self.existing(role, call.request.path_params)
            existing = [r for r in seen if r.scope == scope]
        if existing:
            refused = self._refusal(call, existing[0], changes=_changes(role))
            return refused or self._apply(call, existing[0])
        if role.verb in (Verb.CREATE, Verb.REPLACE, Verb.UPDATE):
            if call.viewer is not None and not call.viewer.is_admin and "user" not in role.scope:
                return StateAnswer(403, error=dict(FORBIDDEN))  # the tenant's, not a learner's
            record = self.records.create(role, scope, call.context, call.writes)
            return StateAnswer(call.status, record=record.data)
        return StateAnswer(404, error=dict(NOT_FOUND))

    def _apply(self, call: _Call, record: Record) -> StateAnswer:
        if call.role.verb is Verb.DESTROY:
            self.store.remove(record)
            return StateAnswer(call.status)
        if call.role.verb in (Verb.REPLACE, Verb.UPDATE, Verb.CREATE):
            # DRF's serializer.save() writes the validated fields and leaves the others: PUT and
            # PATCH differ in what they require, which request validation already enforced.
            changes = self.records.writable(call.role, call.writes)
            changes.update(self.records.derived(call.role, {**record.data, **changes}))
            record = self.store.update(record, {**changes, **self.records.stamps(record.data)})
            self.records.linker.answer_back(record)
        return StateAnswer(call.status, record=record.data)


@dataclass(frozen=True)
class _Call:
    """One request to a stored resource: who it is for, and what it sends."""

    role: OperationRole
    request: MockRequest
    status: int
    writes: dict[str, Any]
    viewer: Viewer | None = None  # set only when visibility applies

    @property
    def scope(self) -> dict[str, str]:
        params = self.request.path_params
        return {canonical: params.get(param, "") for canonical, param in self.role.scope_params}

    @property
    def context(self) -> dict[str, str]:
        """The path values a new record may echo: its scope's, never the id of the item asked
        for (records seeded on a request for `/things/7/` must not all be called 7)."""
        params = self.request.path_params
        return {param: params.get(param, "") for _, param in self.role.scope_params}


def _lists_by_resource(model: ResourceModel) -> dict[str, list[OperationRole]]:
    """Resource -> its list roles, the most specific scope first."""
    lists: dict[str, list[OperationRole]] = {}
    for role in sorted(model.roles.values(), key=lambda r: (-len(r.scope), r.operation_id)):
        if role.verb is Verb.LIST and role.resource is not None:
            lists.setdefault(role.resource, []).append(role)
    return lists


def _changes(role: OperationRole) -> bool:
    return role.verb not in (Verb.RETRIEVE, Verb.LIST)


def _writes(body: Any) -> dict[str, Any]:
    return dict(body) if isinstance(body, Mapping) else {}
