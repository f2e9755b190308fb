"""Who exists: one identity per tenant and per person, the same in every answer.

The world file fixes the demo tenants and users. A tenant or user first named in a path gets
plausible attributes derived from its name and the seed alone, so every process and every
order of requests agrees on them, and nothing needs to be stored to remember them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from faker import Faker

from mock_server.fixtures.world import World

# Generated tenants and people take numbers from these ranges; the world's own are numbered
# 1, 2, ... in file order, so the two never meet.
_TENANT_IDS = (1_000, 99_999)
_PERSON_IDS = (10_000, 9_999_999)
# How many people a tenant that the world file does not name appears to have.
GENERATED_ROSTER = 4
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class TenantIdentity:
    id: int
    key: str
    name: str
    lms_org: str
    known: bool  # named by the world file

    @property
    def domain(self) -> str:
        return f"{_SLUG.sub('-', self.key.lower()).strip('-') or 'tenant'}.example.com"


@dataclass(frozen=True, slots=True)
class Person:
    id: int  # the numeric (edX) user id
    username: str
    email: str
    first_name: str
    last_name: str
    is_admin: bool
    tenant: str
    known: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Identity:
    """Whom a record or an answer belongs to: a tenant, and the person if a path names one."""

    tenant: TenantIdentity
    person: Person | None


class Directory:
    def __init__(self, world: World | None, *, seed: int = 0) -> None:
        self._seed = seed
        self._tenants: dict[str, TenantIdentity] = {}
        self._people: dict[tuple[str, str], Person] = {}
        self._rosters: dict[str, tuple[Person, ...]] = {}
        self.default_tenant = world.default_tenant if world else "main"
        number = 0
        for index, tenant in enumerate(world.tenants if world else (), start=1):
            self._tenants[tenant.name] = TenantIdentity(
                index, tenant.name, tenant.display_name, tenant.name, known=True
            )
            people = []
            for user in tenant.users:
                number += 1
                person = Person(
                    number,
                    user.username,
                    user.email,
                    user.first_name,
                    user.last_name,
                    user.is_admin,
                    tenant.name,
                    known=True,
                )
                self._people[(tenant.name, user.username)] = person
                people.append(person)
            self._rosters[tenant.name] = tuple(people)

    def knows_tenant(self, key: str) -> bool:
        return key in self._tenants

    def knows_person(self, tenant: str | None, username: str) -> bool:
        return self.person(tenant, username).known

    def tenant(self, key: str | None) -> TenantIdentity:
        key = key or self.default_tenant
        known = self._tenants.get(key)
        return known if known is not None else _generated_tenant(self._seed, key)

    def person(self, tenant: str | None, name: str) -> Person:
        """The person a path names, by username or by numeric id, within a tenant."""
        tenant_key = tenant or self.default_tenant
        known = self._people.get((tenant_key, name))
        if known is not None:
            return known
        for person in self.roster(tenant_key):
            if name in (person.username, str(person.id)):
                return person
        return _generated_person(self._seed, self.tenant(tenant_key), name)

    def roster(self, tenant: str | None) -> tuple[Person, ...]:
        """The tenant's people: the world's users, else a few generated ones."""
        key = tenant or self.default_tenant
        known = self._rosters.get(key)
        if known is not None:
            return known
        return _generated_roster(self._seed, self.tenant(key))

    def identity(self, tenant: str | None, user: str | None) -> Identity:
        person = self.person(tenant, user) if user else None
        return Identity(self.tenant(tenant), person)

    def tenants(self) -> tuple[TenantIdentity, ...]:
        return tuple(self._tenants.values())


def _number(seed: int, text: str, span: tuple[int, int]) -> int:
    digest = hashlib.blake2b(f"{seed}|{text}".encode(), digest_size=8).digest()
    low, high = span
    return low + int.from_bytes(digest, "big") % (high - low + 1)


def _faker(seed: int, text: str) -> Faker:
    fake = Faker("en_US")
    fake.seed_instance(_number(seed, text, (0, 2**31)))
    return fake


@lru_cache(maxsize=1024)
def _generated_tenant(seed: int, key: str) -> TenantIdentity:
    words = [w for w in re.split(r"[-_.\s]+", key) if w]
    name = " ".join(w.capitalize() for w in words) or key
    return TenantIdentity(_number(seed, f"tenant|{key}", _TENANT_IDS), key, name, key, known=False)


@lru_cache(maxsize=4096)
def _generated_person(seed: int, tenant: TenantIdentity, username: str) -> Person:
    fake = _faker(seed, f"person|{tenant.key}|{username}")
    first, last = fake.first_name(), fake.last_name()
    local = _SLUG.sub(".", username.lower()).strip(".") or f"{first}.{last}".lower()
    number = int(username) if username.isdigit() and len(username) < 10 else None
    return Person(
        number or _number(seed, f"person|{tenant.key}|{username}", _PERSON_IDS),
        username,
        f"{local}@{tenant.domain}",
        first,
        last,
        False,
        tenant.key,
        known=False,
    )


@lru_cache(maxsize=1024)
def _generated_roster(seed: int, tenant: TenantIdentity) -> tuple[Person, ...]:
    fake = _faker(seed, f"roster|{tenant.key}")
    names = [fake.unique.first_name().lower() for _ in range(GENERATED_ROSTER)]
    people = [_generated_person(seed, tenant, name) for name in names]
    people[0] = replace(people[0], is_admin=True)
    return tuple(people)
