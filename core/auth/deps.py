"""Route access declarations. Every route carries exactly one ``Access`` dependency.

``require(Role.reviewer, ...)`` for staff, ``citizen_only()`` for the citizen app, ``public()`` for the
few routes anyone may call. ``create_app`` refuses to start if a route declares none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import jwt
from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from core.auth.idp import ProviderUnavailable, TokenRejected, get_identity_provider
from core.auth.principal import CITIZEN, Principal
from core.auth.tokens import decode_staff_token
from core.config import get_settings
from core.db import session_scope
from core.errors import AccessDenied, ServiceUnavailable, Unauthorized
from core.models import Role, User


def _staff_principal(user_id: str, session_version: object) -> Principal | None:
    try:
        uid = uuid.UUID(str(user_id))
    except ValueError:
        return None
    with session_scope(writes=False) as session:
        user = session.get(User, uid)
        if user is None or not user.active or user.session_version != session_version:
            return None
        return Principal("staff", str(user.id), user.full_name, frozenset(user.roles))


def resolve_principal(request: Request) -> Principal | None:
    cached = request.scope.get("tvp.principal", False)
    if cached is not False:
        return cached
    principal: Principal | None = None
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("malformed token") from exc
        if alg == "HS256":
            try:
                claims = decode_staff_token(token)
            except jwt.InvalidTokenError as exc:
                raise Unauthorized(f"invalid staff token: {exc}") from exc
            principal = _staff_principal(str(claims.get("sub")), claims.get("sv"))
            if principal is None:
                raise Unauthorized("token no longer valid (user disabled or password changed)")
        else:
            try:
                ident = get_identity_provider(get_settings()).verify(token)
            except TokenRejected as exc:
                raise Unauthorized(f"invalid citizen token: {exc}") from exc
            except ProviderUnavailable as exc:
                raise ServiceUnavailable(str(exc)) from exc
            principal = Principal(CITIZEN, ident.cccd, ident.name)
    else:
        session = request.scope.get("session") or {}
        if session.get("uid"):
            principal = _staff_principal(session["uid"], session.get("sv"))
    request.scope["tvp.principal"] = principal
    return principal


class Access:
    """Callable dependency that states who may use a route, and returns the caller."""

    def __init__(self, grants: Iterable[str] = (), *, public: bool = False):
        self.grants = frozenset(str(g) for g in grants)
        self.public = public
        if not public and not self.grants:
            raise ValueError("a non-public route must grant at least one role")

    def __call__(self, request: Request) -> Principal | None:
        principal = resolve_principal(request)
        if self.public:
            return principal
        if principal is None:
            raise Unauthorized("sign in first")
        if not self.grants.intersection(principal.grants):
            raise AccessDenied(f"allowed for: {', '.join(sorted(self.grants))}")
        return principal

    def __repr__(self) -> str:
        return "Access(public)" if self.public else f"Access({sorted(self.grants)})"


def require(*roles: Role) -> Access:
    return Access(roles)


def citizen_only() -> Access:
    return Access({CITIZEN})


def public() -> Access:
    return Access(public=True)


def route_access(route: APIRoute) -> Access | None:
    """The Access declared on a route (searched through its dependency tree)."""

    def walk(dep: Dependant) -> Access | None:
        if isinstance(dep.call, Access):
            return dep.call
        for sub in dep.dependencies:
            found = walk(sub)
            if found is not None:
                return found
        return None

    return walk(route.dependant)
