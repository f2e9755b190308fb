"""Who is calling, and may they: DRF's authentication and permission answers.

The platform authenticates `Authorization: Api-Key <key>` (a tenant's platform key, the
document's `PlatformApiKeyAuthentication`) and `Authorization: Token <token>` (a user token).
Modes (`--auth`):
- `any` (default): any non-empty key or token is accepted and acts as an admin of the tenant
  named in the path, so a frontend keeps the credentials it already has;
- `fixtures`: only the world's keys and tokens; a key or token used on another tenant's paths
  (any path parameter the model reads as a tenant, `{org}` as well as `/platforms/{key}/`, or a
  tenant query parameter), or a learner's token on another user's paths, is a 403. Which
  stored records a caller then sees and changes is `handlers/visibility.py`'s rule;
- `off`: no checks.
Operations the document leaves open need no credentials in any mode. As in DRF, credentials
that are sent are checked even there, and authentication comes before request validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mock_server.fixtures.world import World
from mock_server.messages import MockRequest
from mock_server.model.paths import TENANT_PARAMS, USER_PARAMS, canonical_scope, path_params
from mock_server.spec.index import Operation

NOT_PROVIDED = "Authentication credentials were not provided."
INVALID = "Invalid token."
FORBIDDEN = "You do not have permission to perform this action."
WWW_AUTHENTICATE = "Api-Key"  # DRF sends the first authentication class's keyword
_SCHEMES = {"api-key": "api-key", "token": "token"}


class AuthMode(StrEnum):
    ANY = "any"
    FIXTURES = "fixtures"
    OFF = "off"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller (or the anonymous one, with `scheme` None)."""

    scheme: str | None = None
    tenant: str | None = None  # None with a scheme: any tenant (mode `any`)
    username: str | None = None
    is_admin: bool = False


@dataclass(frozen=True)
class AuthProblem:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Authenticator:
    def __init__(self, mode: AuthMode, world: World | None = None) -> None:
        self.mode = mode
        self.world = world
        self._tenant_params: dict[str, tuple[str, ...]] = {}

    def check(self, operation: Operation, request: MockRequest) -> Caller | AuthProblem:
        if self.mode is AuthMode.OFF:
            return Caller(scheme="off", is_admin=True)
        credentials = _credentials(request.headers.get("authorization", ""))
        if isinstance(credentials, AuthProblem):
            return credentials
        if credentials is None:
            if _requires_credentials(operation):
                return _unauthenticated(NOT_PROVIDED)
            return Caller()
        caller = self._identify(*credentials)
        if isinstance(caller, AuthProblem) or not _requires_credentials(operation):
            return caller
        return self._permitted(caller, operation, request)

    def _identify(self, scheme: str, secret: str) -> Caller | AuthProblem:
        if self.mode is AuthMode.ANY:
            return Caller(scheme=scheme, is_admin=True)
        if self.world is not None and scheme == "api-key":
            tenant = self.world.tenant_for_api_key(secret)
            if tenant is not None:
                return Caller(scheme, tenant.name, tenant.admin.username, is_admin=True)
        if self.world is not None and scheme == "token":
            found = self.world.user_for_token(secret)
            if found is not None:
                tenant, user = found
                return Caller(scheme, tenant.name, user.username, user.is_admin)
        return _unauthenticated(INVALID)

    def _permitted(
        self, caller: Caller, operation: Operation, request: MockRequest
    ) -> Caller | AuthProblem:
        if caller.tenant is None:
            return caller
        named = [request.path_params.get(p) for p in self._tenant_params_of(operation)]
        named.append(_named(dict(request.query), TENANT_PARAMS))
        if any(tenant and tenant != caller.tenant for tenant in named):
            return AuthProblem(403, {"detail": FORBIDDEN})
        user = _named(request.path_params, USER_PARAMS)
        if not caller.is_admin and user is not None and user != caller.username:
            return AuthProblem(403, {"detail": FORBIDDEN})
        return caller

    def _tenant_params_of(self, operation: Operation) -> tuple[str, ...]:
        """The path parameters that name a tenant: its aliases, and generic names the model
        reads as one (`/reports/platforms/{key}/`)."""
        found = self._tenant_params.get(operation.operation_id)
        if found is None:
            scope = canonical_scope(operation.path, path_params(operation.path))
            found = tuple(param for canonical, param in scope if canonical == "tenant")
            self._tenant_params[operation.operation_id] = found
        return found


def _credentials(header: str) -> tuple[str, str] | AuthProblem | None:
    """(scheme, secret) from an Authorization header, DRF's header errors, or None."""
    parts = header.split()
    if not parts or parts[0].lower() not in _SCHEMES:
        return None  # another scheme: not ours to judge, as DRF's authenticators skip it
    if len(parts) == 1:
        return _unauthenticated("Invalid token header. No credentials provided.")
    if len(parts) > 2:
        return _unauthenticated("Invalid token header. Token string should not contain spaces.")
    return _SCHEMES[parts[0].lower()], parts[1]


def _requires_credentials(operation: Operation) -> bool:
    security = operation.security
    return bool(security) and all(requirement for requirement in security or [])


def _named(values: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((values[name] for name in names if values.get(name)), None)


def _unauthenticated(detail: str) -> AuthProblem:
    return AuthProblem(401, {"detail": detail}, {"WWW-Authenticate": WWW_AUTHENTICATE})
