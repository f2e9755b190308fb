"""Make one synthesized value describe one world: its tenant, its people, its timeline, its counts.

The synthesizer draws every field independently, so left alone a record's `username` and
`email` name two different people, its `platform` a random number and its `mentor_count`
anything. `Coherer.apply` walks the value beside its schema and, object by object:
- writes the identity's tenant into every field that names a platform, and its org into
  course keys (`course-v1:ORG+...`);
- writes one person into every field that names a user: the path's user, else one of the
  tenant's people chosen by the value's key; a nested person object (`owner`, `user`) shows
  the same person, and a list of people shows distinct ones;
- orders the object's timestamps (see `timeline`);
- sets each `*_count` to the length of the list it counts;
- makes a `slug` the URL form of the object's name or title.
Every value is written only where the field's schema accepts it, so the answer stays valid.
It is a pure function of its inputs, as synthesis is, so remembered answers stay right.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.coherence import fields
from mock_server.coherence.directory import Directory, Identity, Person, TenantIdentity
from mock_server.coherence.timeline import Timeline
from mock_server.model.paths import TENANT_PARAMS, USER_PARAMS
from mock_server.spec.index import object_properties, resolve_ref
from mock_server.synthesis.heuristics import slugify

Fits = Callable[[Mapping[str, Any], Any], bool]
_COURSE_KEY = re.compile(r"^((?:course|block)-v1:)[^+/]+(\+)")
_NAMED_BY = ("name", "title", "display_name")


@dataclass
class _Plan:
    """What one object schema's properties carry, worked out once per schema."""

    properties: dict[str, Any]
    person_object: bool
    tenant: list[tuple[str, str]] = field(default_factory=list)
    person: list[tuple[str, str]] = field(default_factory=list)
    people_lists: list[str] = field(default_factory=list)
    times: tuple[str, ...] = ()
    counts: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    nested: list[tuple[str, Any]] = field(default_factory=list)


class Coherer:
    def __init__(
        self, document: Mapping[str, Any], fits: Fits, directory: Directory, timeline: Timeline
    ) -> None:
        self.document = document
        self.fits = fits
        self.directory = directory
        self.timeline = timeline
        self._plans: dict[tuple[int, bool], tuple[Mapping[str, Any], _Plan | None]] = {}

    def identity_for(self, context: Mapping[str, str] | None) -> Identity:
        """The tenant and person a request's path values name."""
        context = context or {}
        tenant = next((context[p] for p in TENANT_PARAMS if context.get(p)), None)
        user = next((context[p] for p in USER_PARAMS if context.get(p)), None)
        return self.directory.identity(tenant, user)

    def finish(
        self, value: Any, schema: Mapping[str, Any], context: Mapping[str, str] | None, key: str
    ) -> Any:
        """The synthesizer's last step: coherent for the tenant and person the path names."""
        return self.apply(value, schema, identity=self.identity_for(context), key=key)

    def apply(self, value: Any, schema: Mapping[str, Any], *, identity: Identity, key: str) -> Any:
        """`value` made coherent for `identity`, changed in place where it is a container."""
        person = identity.person or _pick(self.directory.roster(identity.tenant.key), key)
        self._walk(value, schema, identity.tenant, person, key, depth=0, derive_only=False)
        return value

    def derive(self, value: Any, schema: Mapping[str, Any]) -> Any:
        """Only the fields derived from others (counts), for values that hold clients' writes."""
        tenant = self.directory.tenant(None)
        self._walk(value, schema, tenant, None, "", depth=0, derive_only=True)
        return value

    # -- the walk ---------------------------------------------------------------------------

    def _walk(
        self,
        value: Any,
        schema: Mapping[str, Any],
        tenant: TenantIdentity,
        person: Person | None,
        key: str,
        *,
        depth: int,
        derive_only: bool,
        field: str | None = None,
    ) -> None:
        if depth > 12:
            return
        if isinstance(value, list):
            items = resolve_ref(self.document, schema).get("items", {})
            for item in value:
                self._walk(
                    item, items, tenant, person, key, depth=depth + 1, derive_only=derive_only,
                    field=field,
                )  # fmt: skip
            return
        if not isinstance(value, dict):
            return
        plan = self._plan(schema, field)
        if plan is None:
            return
        if not derive_only:
            self._identify(value, plan, tenant, person, key)
            self.timeline.order(value, plan.times, lambda n, v: self._fits(plan, n, v))
        for name, sub in plan.nested:
            child = value.get(name)
            if child is None:
                continue
            if name in plan.people_lists and isinstance(child, list) and not derive_only:
                self._people_list(child, sub, tenant, key, name, depth)
                continue
            self._walk(
                child, sub, tenant, person, key, depth=depth + 1, derive_only=derive_only,
                field=name,
            )  # fmt: skip
        for count_field, counted in plan.counts:
            listed = next((value[n] for n in counted if isinstance(value.get(n), list)), None)
            if listed is not None and count_field in value:
                self._write(value, plan, count_field, len(listed))

    def _identify(
        self,
        value: dict[str, Any],
        plan: _Plan,
        tenant: TenantIdentity,
        person: Person | None,
        key: str,
    ) -> None:
        for name, attribute in plan.tenant:
            if name in value:
                self._write(value, plan, name, _tenant_value(tenant, attribute, value[name]))
        if person is not None:
            for name, attribute in plan.person:
                if name in value and not isinstance(value[name], dict | list):
                    self._write(value, plan, name, _person_value(person, attribute, value[name]))
        for name in plan.properties:
            text = value.get(name)
            if isinstance(text, str) and _COURSE_KEY.match(text):
                self._write(value, plan, name, _COURSE_KEY.sub(rf"\g<1>{tenant.lms_org}\2", text))
        named = next((value[n] for n in _NAMED_BY if isinstance(value.get(n), str)), None)
        if named and isinstance(value.get("slug"), str) and "slug" in plan.properties:
            self._write(value, plan, "slug", slugify(named))

    def _people_list(
        self, items: list[Any], schema: Any, tenant: TenantIdentity, key: str, name: str, depth: int
    ) -> None:
        """Each item of a list of people is another person of the tenant."""
        roster = self.directory.roster(tenant.key)
        start = _number(f"{key}|{name}") % len(roster)
        item_schema = resolve_ref(self.document, schema).get("items", {})
        for offset, item in enumerate(items[: len(roster)]):
            person = roster[(start + offset) % len(roster)]
            if isinstance(item, dict):
                self._walk(
                    item, item_schema, tenant, person, key, depth=depth + 1, derive_only=False,
                    field=name,
                )  # fmt: skip
            else:
                shown = _person_value(person, "ref", item)
                if self.fits(item_schema, shown):
                    items[offset] = shown
        if len(items) > len(roster) and self.fits(schema, items[: len(roster)]):
            del items[len(roster) :]  # a list of people names each at most once

    def _write(self, value: dict[str, Any], plan: _Plan, name: str, shown: Any) -> None:
        if shown is not None and shown != value[name] and self._fits(plan, name, shown):
            value[name] = shown

    def _fits(self, plan: _Plan, name: str, shown: Any) -> bool:
        return self.fits(plan.properties[name], shown)

    # -- plans ------------------------------------------------------------------------------

    def _plan(self, schema: Mapping[str, Any], field: str | None = None) -> _Plan | None:
        """The plan of an object schema; it is a person when its name or its field's says so
        (`UserInfo`, `owner: {...}`)."""
        resolved = resolve_ref(self.document, schema)
        person = fields.is_person_name(_schema_name(schema)) or fields.is_person_name(field)
        cached = self._plans.get((id(resolved), person))
        if cached is not None and cached[0] is resolved:
            return cached[1]
        plan = self._make_plan(resolved, person)
        self._plans[(id(resolved), person)] = (resolved, plan)
        return plan

    def _make_plan(self, resolved: Mapping[str, Any], person_object: bool) -> _Plan | None:
        properties = object_properties(self.document, resolved)
        if not properties:
            return None
        plan = _Plan(properties, person_object=person_object)
        times = []
        for prop, sub in properties.items():
            detail = resolve_ref(self.document, sub)
            tenant_attribute = fields.tenant_attribute(prop)
            if tenant_attribute:
                plan.tenant.append((prop, tenant_attribute))
            person_attribute = fields.person_attribute(prop, plan.person_object)
            if person_attribute:
                plan.person.append((prop, person_attribute))
            if detail.get("format") in ("date-time", "date"):
                times.append(prop)
            counted = fields.counted_lists(prop)
            if counted:
                plan.counts.append((prop, counted))
            if _container(detail):
                plan.nested.append((prop, sub))
                if prop in fields.PEOPLE_LISTS or (
                    detail.get("type") == "array" and fields.is_person_name(prop)
                ):
                    plan.people_lists.append(prop)
        plan.times = tuple(times)
        return plan


def _schema_name(schema: Mapping[str, Any]) -> str | None:
    """The component name of `$ref` or `allOf: [$ref]` (drf-spectacular's nullable and
    read-only wrappers), else the title."""
    ref = schema.get("$ref")
    parts: list[Any] = list(schema.get("allOf") or ())
    if not isinstance(ref, str) and len(parts) == 1 and isinstance(parts[0], Mapping):
        ref = parts[0].get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else schema.get("title")


def _container(detail: Mapping[str, Any]) -> bool:
    """Whether values of the schema may hold objects to walk into."""
    return detail.get("type") == "array" or bool(detail.get("properties") or detail.get("allOf"))


def _tenant_value(tenant: TenantIdentity, attribute: str, current: Any) -> Any:
    if attribute == "ref":
        return (
            tenant.id if isinstance(current, int) and not isinstance(current, bool) else tenant.key
        )
    return {"key": tenant.key, "name": tenant.name, "lms_org": tenant.lms_org}[attribute]


def _person_value(person: Person, attribute: str, current: Any) -> Any:
    if attribute == "ref":
        return (
            person.id
            if isinstance(current, int) and not isinstance(current, bool)
            else person.username
        )
    if isinstance(current, int | float | bool):
        return None
    return getattr(person, attribute)


def _pick(roster: tuple[Person, ...], key: str) -> Person:
    return roster[_number(key) % len(roster)]


def _number(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
