"""Which stored records a caller may see and change: the platform's object permissions.

Applies to callers bound to a tenant (`--auth fixtures`: a tenant's key, a world user's token):
- on a path naming no tenant (platform-wide), a caller sees only its tenant's records: those
  whose scope or whose `platform_key` / `org` / `platform` field (by key or number) names it;
  records that name no tenant are everyone's;
- a non-admin sees and changes only what is theirs: a record kept in a user's scope is that
  user's; one kept above it is the user's its owner field names (`owner`, `owner_username`,
  `user`, `created_by`, ...: `coherence/fields.py`); a record naming no owner is the tenant's,
  read by all of its users and changed only by its admins (403 for a learner);
- an admin sees and changes all of the tenant's records.
Lists leave out what the caller may not see; an item they may not see is DRF's 404, as
`get_object` on a filtered queryset answers. What a non-admin creates on a path that names no
user is theirs. Callers bound to no tenant (modes `any` and `off`, anonymous callers of open
operations) see everything, and pay nothing for this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, Protocol

from mock_server.coherence.fields import person_attribute
from mock_server.handlers.listing import TENANT_FIELDS
from mock_server.model import OperationRole
from mock_server.store import Record

_OWNER_ATTRIBUTES = frozenset({"ref", "username"})


class Viewer(Protocol):
    """Who is asking (`auth.Caller`): a tenant (None: any), a username, admin or not."""

    @property
    def tenant(self) -> str | None: ...

    @property
    def username(self) -> str | None: ...

    @property
    def is_admin(self) -> bool: ...


class Access(Enum):
    HIDDEN = "hidden"  # 404
    READ = "read"  # seen, not theirs to change: 403 on a write
    CHANGE = "change"


def restricted(viewer: Viewer | None) -> bool:
    """Whether the viewer's requests are checked at all (the cheap test every request pays)."""
    return viewer is not None and viewer.tenant is not None


class Visibility:
    def __init__(
        self, tenant_number: Callable[[str], int], person_number: Callable[[str, str], int]
    ) -> None:
        self._tenant_number = tenant_number
        self._person_number = person_number

    def visible(
        self, viewer: Viewer, role: OperationRole, records: Iterable[Record]
    ) -> list[Record]:
        judge = self._judge(viewer, role)
        return [record for record in records if judge(record) is not Access.HIDDEN]

    def access(self, viewer: Viewer, role: OperationRole, record: Record) -> Access:
        return self._judge(viewer, role)(record)

    def owns_new(self, viewer: Viewer, role: OperationRole) -> bool:
        """Whether a record the viewer creates from this path must name them as its owner."""
        return restricted(viewer) and not viewer.is_admin and "user" not in role.scope

    def _judge(self, viewer: Viewer, role: OperationRole) -> Callable[[Record], Access]:
        tenant = viewer.tenant or ""
        platform_wide = "tenant" not in role.scope
        tenant_id = self._tenant_number(tenant) if platform_wide else 0
        username = viewer.username or ""
        person_id = self._person_number(tenant, username) if username else None

        def judge(record: Record) -> Access:
            if platform_wide and not _of_tenant(record, tenant, tenant_id):
                return Access.HIDDEN
            if viewer.is_admin:
                return Access.CHANGE
            owner = record.scope.get("user")
            if owner is not None:
                return Access.CHANGE if owner == username else Access.HIDDEN
            named = [v for k, v in record.data.items() if _names_owner(k, v)]
            if not named:
                return Access.READ
            mine = any(_is_person(v, username, person_id) for v in named)
            return Access.CHANGE if mine else Access.HIDDEN

        return judge


def _of_tenant(record: Record, key: str, number: int) -> bool:
    held = record.scope.get("tenant")
    if held is not None and held != key:
        return False
    for name in TENANT_FIELDS:
        value = record.data.get(name)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int) and value != number:
            return False
        if isinstance(value, str) and value not in (key, str(number)):
            return False
    return True


def _names_owner(name: str, value: Any) -> bool:
    return (
        value is not None
        and not isinstance(value, (bool, list))
        and person_attribute(name, False) in _OWNER_ATTRIBUTES
    )


def _is_person(value: Any, username: str, person_id: int | None) -> bool:
    if isinstance(value, Mapping):
        return value.get("username") == username or (
            person_id is not None and value.get("id") == person_id
        )
    if isinstance(value, int):
        return value == person_id
    if isinstance(value, str):
        return value == username or (person_id is not None and value == str(person_id))
    return False
