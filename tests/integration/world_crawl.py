"""Crawl every list operation as four callers would, and check that one world stands behind it.

The callers: an admin of each world tenant, a user the world does not name (in `main`), and a
tenant it does not name. Every object of every answer is checked:
- tenants: each key shows one numeric id and one display name; course keys carry their
  tenant's org; a tenant's lists show only that tenant's key;
- people: each username shows one email and one numeric id;
- time: created <= updated, spans run forwards, nothing is later than the mock's clock;
- counts: a `*_count` beside the list it counts equals its length;
- empty states: the new user's singletons answer 404 and their lists are empty.
Run it as a script for the figures:
`PYTHONPATH=tests:tests/integration .venv/bin/python tests/integration/world_crawl.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from operation_requests import concrete_path, path_values, required_query

from mock_server.coherence import fields
from mock_server.model import ResourceKind, Verb
from mock_server.model.paths import TENANT_PARAMS, USER_PARAMS
from mock_server.synthesis.heuristics import normalize

NEW_USER = ("main", "newcomer-7")
NEW_TENANT = ("fresh-org", "founder")


@dataclass
class CrawlReport:
    requests: int = 0
    records: int = 0
    references: int = 0
    item_keys: int = 0
    keyless_items: int = 0
    fields_checked: int = 0
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    tenant_ids: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    tenant_names: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    person_emails: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    person_ids: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))

    def problem(self, kind: str, text: str) -> None:
        self.problems[kind].append(text)

    def finish(self) -> None:
        for key, ids in self.tenant_ids.items():
            if len(ids) > 1:
                self.problem("tenant ids", f"{key}: {sorted(map(str, ids))[:5]}")
        for key, names in self.tenant_names.items():
            if len(names) > 1:
                self.problem("tenant names", f"{key}: {sorted(map(str, names))[:5]}")
        for name, emails in self.person_emails.items():
            if len(emails) > 1:
                self.problem("person emails", f"{name}: {sorted(map(str, emails))[:5]}")
        for name, ids in self.person_ids.items():
            if len(ids) > 1:
                self.problem("person ids", f"{name}: {sorted(map(str, ids))[:5]}")

    def summary(self) -> str:
        counts = ", ".join(f"{kind} {len(found)}" for kind, found in sorted(self.problems.items()))
        return (
            f"{self.requests} requests, {self.records} records, {self.references} references, "
            f"{self.item_keys} listed keys asked for ({self.keyless_items} items show none), "
            f"{self.fields_checked} fields checked; problems: {counts or 'none'}"
        )


def _objects(value: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(value, dict):
        yield value, where
        for name, item in value.items():
            yield from _objects(item, f"{where}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _objects(item, f"{where}[{index}]")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10 or not value[:4].isdigit():
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_object(
    report: CrawlReport,
    value: dict[str, Any],
    where: str,
    tenant: str | None,
    clock: datetime,
    people: frozenset[str],
) -> None:
    report.records += 1
    names = {normalize(k): v for k, v in value.items()}
    for name, text in names.items():
        if isinstance(text, str) and fields.person_attribute(name, False) in ("username", "ref"):
            report.fields_checked += 1
            if people and text not in people:
                report.problem("unknown person", f"{where}.{name}: {text!r}")
    key = next((names[n] for n in ("platform_key", "org") if isinstance(names.get(n), str)), None)
    if key is not None:
        report.fields_checked += 1
        if tenant is not None and key != tenant:
            report.problem("foreign tenant", f"{where}: {key} in {tenant}'s answer")
        if isinstance(names.get("platform"), int):
            report.tenant_ids[key].add(names["platform"])
        if isinstance(names.get("platform_name"), str):
            report.tenant_names[key].add(names["platform_name"])
    for name, text in names.items():
        if isinstance(text, str) and text.startswith("course-v1:") and tenant is not None:
            report.fields_checked += 1
            org = text.split(":", 1)[1].split("+", 1)[0]
            if org != tenant:
                report.problem("course org", f"{where}.{name}: {text} in {tenant}'s answer")
    username = names.get("username")
    if isinstance(username, str):
        report.fields_checked += 1
        if isinstance(names.get("email"), str):
            report.person_emails[username].add(names["email"])
        if isinstance(names.get("user_id"), int):
            report.person_ids[username].add(names["user_id"])
    moments = {n: m for n, v in names.items() if (m := _moment(v)) is not None}
    report.fields_checked += len(moments)
    for name, moment in moments.items():
        if moment > clock:
            report.problem("after the clock", f"{where}.{name}: {value}")
    created = [m for n, m in moments.items() if fields.time_role(n) == "created"]
    updated = [m for n, m in moments.items() if fields.time_role(n) == "updated"]
    if created and updated and min(created) > max(updated):
        report.problem("updated before created", f"{where}: {created[0]} > {updated[0]}")
    for first, second in fields.SPANS:
        if first in moments and second in moments and moments[first] > moments[second]:
            report.problem("span backwards", f"{where}: {first} > {second}")
    for name, count in names.items():
        if not isinstance(count, int) or isinstance(count, bool):
            continue
        listed = next((names[n] for n in fields.counted_lists(name) if n in names), None)
        if isinstance(listed, list):
            report.fields_checked += 1
            if count != len(listed):
                report.problem("count", f"{where}.{name}: {count} for {len(listed)} listed")


def check_references(
    report: CrawlReport, engine: Any, resource: str, items: list[Any], where: str, tenant: str
) -> None:
    """Every reference of a listed record names a record of its tenant that the store holds."""
    linker = engine.resources.records.linker
    for reference in linker.graph.get(resource, ()):
        keys: dict[str, dict[str, Any]] = {}
        for record in linker.candidates(reference.target, {"tenant": tenant}):
            keys.update(
                (str(record.data.get(k)), record.data) for k in linker.keys_of(reference.target)
            )
        for index, item in enumerate(items):
            if not isinstance(item, dict) or item.get(reference.field) is None:
                continue
            value = item[reference.field]
            named = value if isinstance(value, list) else [value]
            for one in named:
                if isinstance(one, dict):
                    one = next(
                        (one[k] for k in ("id", "unique_id", "uuid", "slug") if k in one), None
                    )
                report.references += 1
                target = keys.get(str(one))
                if target is None:
                    report.problem(
                        "dangling reference",
                        f"{where}[{index}].{reference.field} -> {reference.target} {one!r}",
                    )
                elif not reference.many and not _names_back(
                    linker, resource, reference, item, target
                ):
                    report.problem(
                        "not named back",
                        f"{where}[{index}].{reference.field} -> {reference.target} {one!r}",
                    )
                elif not reference.many and _before(item, target):
                    # What a record names on its own comes first (a project may list a mentor
                    # made after it: it was added later).
                    report.problem(
                        "made before what it names",
                        f"{where}[{index}].{reference.field} -> {reference.target} {one!r}",
                    )


def _names_back(
    linker: Any, resource: str, reference: Any, item: dict[str, Any], target: dict[str, Any]
) -> bool:
    """One end of a relation seen from both (`CallConfiguration.mentor`,
    `Mentor.call_configuration`): the record named names the listed one back."""
    back = next((b for r, b in linker.inverses.get(resource, ()) if r == reference), None)
    if back is None or target.get(back.field) is None:
        return True
    value = target[back.field]
    shown = value if isinstance(value, list) else [value]
    keys = {
        str(v.get(k)) if isinstance(v, dict) else str(v)
        for v in shown
        for k in ("id", "unique_id", "uuid", "slug")
    }
    return any(
        str(item.get(k)) in keys for k in linker.keys_of(resource, back.key_hint) if k in item
    )


def _before(item: dict[str, Any], target: dict[str, Any]) -> bool:
    earliest, created = _earliest(item), _created_at(target)
    return earliest is not None and created is not None and earliest < created


def _created_at(value: dict[str, Any]) -> datetime | None:
    found = [m for n, v in value.items() if fields.time_role(normalize(n)) == "created"
             and (m := _moment(v)) is not None]  # fmt: skip
    return min(found, default=None)


def _earliest(value: dict[str, Any]) -> datetime | None:
    """A record's creation, or else its earliest moment."""
    created = _created_at(value)
    if created is not None:
        return created
    return min((m for v in value.values() if (m := _moment(v)) is not None), default=None)


def shown_key(item: dict[str, Any], param: str, lookup: str) -> Any:
    """The value a client would take from a listed item to ask for it by `{param}`."""
    by_name = {normalize(k): v for k, v in item.items()}
    for name in (normalize(param), lookup, "id", "pk", "unique_id", "uuid"):
        if by_name.get(name) is not None:
            return by_name[name]
    return None


def check_item_keys(
    report: CrawlReport,
    app: Any,
    client: Any,
    operation: Any,
    items: list[Any],
    values: dict[str, str],
) -> None:
    """Every item a list shows is found by the item operations under it, by the key it shows."""
    engine = app.engine
    role = engine.resources.role(operation)
    for item_role in engine.model.roles.values():
        if item_role.collection_path != operation.path or item_role.verb is not Verb.RETRIEVE:
            continue
        item_operation = engine.index.by_id[item_role.operation_id]
        if engine.resources.role(item_operation) is None or item_role.resource != role.resource:
            continue
        lookup = engine.resources.records.lookup_field(item_role)
        for item in items[:3]:
            key = (
                shown_key(item, item_role.id_param or "", lookup)
                if isinstance(item, dict)
                else None
            )
            if key is None:
                # An item that shows no key offers none to ask for (SCIM's list answers are
                # wrappers, not records, in the document): counted, not a fault of the world.
                report.keyless_items += 1
                continue
            url = concrete_path(item_operation, {**values, item_role.id_param or "": str(key)})
            report.item_keys += 1
            answer = client.get(url, params=required_query(engine.synthesizer, item_operation))
            if answer.status_code != 200:
                report.problem("listed key refused", f"{url}: {answer.status_code}")


def listed_items(body: Any) -> Any:
    """The records a list answer shows: a DRF page's results, a bare list, or the Resources
    of SCIM's list envelope."""
    if isinstance(body, dict):
        return body.get("results")
    envelope = body[0] if isinstance(body, list) and len(body) == 1 else None
    if isinstance(envelope, dict) and {"Resources", "totalResults"} <= set(envelope):
        return envelope["Resources"]
    return body


def _values(operation: Any, tenant: str, user: str) -> dict[str, str]:
    values = path_values(operation)
    for name in values:
        if name in TENANT_PARAMS:
            values[name] = tenant
        elif name in USER_PARAMS:
            values[name] = user
    return values


def crawl(app: Any, client: Any) -> CrawlReport:
    """Every list operation for four callers, and every user singleton for the new user."""
    engine = app.engine
    callers = [(t.name, t.admin.username) for t in app.world.tenants] + [NEW_USER, NEW_TENANT]
    report = CrawlReport()
    roster = engine.directory.roster
    for operation in engine.index:
        role = engine.resources.role(operation)
        if role is None or operation.method != "get":
            continue
        for tenant, user in callers:
            is_new = (tenant, user) in (NEW_USER, NEW_TENANT)
            scoped = "tenant" in role.scope
            if role.verb is Verb.LIST:
                url = concrete_path(operation, _values(operation, tenant, user))
                response = client.get(url, params=required_query(engine.synthesizer, operation))
                report.requests += 1
                if response.status_code != 200 or not response.content:
                    continue
                body = response.json()
                clock = engine.timeline.now()
                people = (
                    frozenset({user, *(p.username for p in roster(tenant))})
                    if scoped
                    else frozenset()
                )
                for value, where in _objects(body, operation.operation_id):
                    check_object(report, value, where, tenant if scoped else None, clock, people)
                items = listed_items(body)
                if isinstance(items, list) and scoped:
                    check_references(report, engine, role.resource, items, url, tenant)
                if isinstance(items, list) and not is_new:
                    values = _values(operation, tenant, user)
                    check_item_keys(report, app, client, operation, items, values)
                if (
                    is_new
                    and scoped
                    and ("user" in role.scope or tenant == NEW_TENANT[0])
                    and items
                ):
                    report.problem("new scope not empty", f"{url}: {len(items)}")
            elif role.kind is ResourceKind.SINGLETON and is_new and "user" in role.scope:
                url = concrete_path(operation, _values(operation, tenant, user))
                response = client.get(url)
                report.requests += 1
                if response.status_code != 404:
                    report.problem("invented singleton", f"{url}: {response.status_code}")
    report.finish()
    return report


if __name__ == "__main__":
    from conftest import ASGIClient

    from mock_server.app import MockApplication
    from mock_server.settings import Settings

    application = MockApplication(Settings())
    found = crawl(application, ASGIClient(application.asgi))
    print(found.summary())
    for kind, problems in sorted(found.problems.items()):
        print(f"{kind}: {len(problems)}")
        for text in problems[:8]:
            print("   ", text[:300])
