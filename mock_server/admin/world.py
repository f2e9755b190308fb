"""`GET /__mock__/world`: who the mock knows, how to sign in as them, and where records live.

Built from the engine: the world file's tenants and users (their demo keys and tokens, read by
the authenticator) numbered as the directory numbers them, and for each stored resource type
one list operation whose path the default tenant can fill (its admin for a user's list), so a
page can show the records of each type without knowing the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from mock_server.handlers import MockEngine
from mock_server.model import OperationRole, ResourceModel, Verb
from mock_server.model.paths import TENANT_PARAMS

_PARAMETER = re.compile(r"\{([^}]+)\}")


def world_answer(engine: MockEngine, lists: dict[str, dict[str, str]]) -> dict[str, Any]:
    world = engine.authenticator.world
    tenants = []
    for tenant in world.tenants if world is not None else ():
        users = []
        for user in tenant.users:
            person = engine.directory.person(tenant.name, user.username)
            users.append(
                {
                    "username": user.username,
                    "id": person.id,
                    "email": user.email,
                    "full_name": user.full_name,
                    "role": "admin" if user.is_admin else "learner",
                    "token": user.token,
                    "authorization": user.authorization,
                }
            )
        tenants.append(
            {
                "name": tenant.name,
                "display_name": tenant.display_name,
                "api_key": tenant.api_key,
                "authorization": tenant.authorization,
                "users": users,
            }
        )
    return {
        "default_tenant": engine.directory.default_tenant,
        "auth": engine.authenticator.mode.value,
        "tenants": tenants,
        "lists": lists,
    }


def list_paths(engine: MockEngine) -> dict[str, dict[str, str]]:
    """Resource type -> {path, operation}: the first stored list the default tenant's admin
    can read with nothing else to guess: no other path parameter, no required query parameter
    but one naming the tenant (none for types kept only as items or singletons)."""
    world = engine.authenticator.world
    tenant = engine.directory.default_tenant
    found = world.tenant(tenant) if world is not None else None
    admin = found.admin.username if found is not None else "admin"
    values = {"tenant": tenant, "user": admin}
    lists: dict[str, dict[str, str]] = {}
    for resource, roles in _stored_lists(engine.model).items():
        for role in roles:
            path = _filled(role, values)
            query = _required_query(engine.index.by_id[role.operation_id].parameters, tenant)
            if path is not None and query is not None:
                lists[resource] = {"path": path + query, "operation": role.operation_id}
                break
    return lists


def _stored_lists(model: ResourceModel) -> dict[str, list[OperationRole]]:
    return {
        resource: [role for role in roles if role.verb is Verb.LIST and role.stored]
        for resource, roles in model.resources().items()
    }


def _required_query(parameters: Iterable[Mapping[str, Any]], tenant: str) -> str | None:
    """The query a list needs (`?platform_key=main`); None if it needs more than the tenant."""
    names = [p["name"] for p in parameters if p.get("in") == "query" and p.get("required")]
    if any(name not in TENANT_PARAMS for name in names):
        return None
    return "?" + urlencode([(name, tenant) for name in names]) if names else ""


def _filled(role: OperationRole, values: dict[str, str]) -> str | None:
    """The role's path with its scope parameters filled in; None if it names another."""
    by_name = {param: values.get(canonical) for canonical, param in role.scope_params}
    path = role.path
    for name in _PARAMETER.findall(path):
        value = by_name.get(name)
        if value is None:
            return None
        path = path.replace("{" + name + "}", value)
    return path
