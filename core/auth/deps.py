"""Route access declarations. Every route carries exactly one ``Access`` dependency.

``require(Role.reviewer, ...)`` for staff, ``citizen_only()`` for the citizen app, ``public()`` for the
few routes anyone may call. ``create_app`` refuses to start if a route declares none.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import jwt
from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from core.auth import sessions
from core.auth.idp import CitizenIdentity, ProviderUnavailable, TokenRejected, get_identity_provider
from core.auth.principal import CITIZEN, Principal
from core.auth.tokens import decode_staff_token
from core.config import get_settings
from core.errors import AccessDenied, Forbidden, ServiceUnavailable, Unauthorized
from core.models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CrossSiteRequest(Forbidden):
    """A state-changing API call with the page cookie must come from tvp's own pages (same Origin or
    the X-CSRF-Token header)."""


def _staff(live: sessions.LiveSession | None, sid: str) -> Principal | None:
    if live is None:
        return None
    return Principal("staff", str(live.user_id), live.full_name, live.roles, sid=sid)


def _bearer_principal(token: str) -> Principal:
    try:
        alg = jwt.get_unverified_header(token).get("alg")
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("malformed token") from exc
    if alg == "HS256":
        try:
            claims = decode_staff_token(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid staff token: {exc}") from exc
        sid = str(claims["sid"])
        principal = _staff(sessions.resolve(sid, kind=sessions.API), sid)
        if principal is None or principal.subject != str(claims["sub"]):
            raise Unauthorized("token no longer valid (signed out, password or role changed, or disabled)")
        return principal
    try:
        ident = get_identity_provider(get_settings()).identity(token)
    except TokenRejected as exc:
        raise Unauthorized(f"invalid citizen token: {exc}") from exc
    except ProviderUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc
    return _citizen(ident)


def _citizen(ident: CitizenIdentity) -> Principal:
    return Principal(CITIZEN, ident.cccd, ident.name, acr=ident.acr, idp_session=ident.session_id)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own or origin.startswith(own + "/")


def _check_cookie_csrf(request: Request, cookie: dict[str, Any]) -> None:
    if request.method in SAFE_METHODS or not request.url.path.startswith("/api/"):
        return  # page forms carry their own CSRF token (web.routes.check_csrf)
    header = request.headers.get("x-csrf-token", "")
    if _same_origin(request) or (header and secrets.compare_digest(header, str(cookie.get("csrf", "")))):
        return
    raise CrossSiteRequest()


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
        principal = _bearer_principal(token)
    else:
        cookie = request.scope.get("session") or {}
        if cookie.get("sid"):
            sid = str(cookie["sid"])
            principal = _staff(sessions.resolve(sid, kind=sessions.PAGE), sid)
            if principal is not None:
                _check_cookie_csrf(request, cookie)
    request.scope["tvp.principal"] = principal
    return principal


async def _principal(request: Request) -> Principal | None:
    known = _known_citizen(request)
    return known if known is not None else await run_in_threadpool(resolve_principal, request)


def _known_citizen(request: Request) -> Principal | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    ident = get_identity_provider(get_settings()).verified.get(token)
    if ident is None:
        return None
    principal = _citizen(ident)
    request.scope["tvp.principal"] = principal
    return principal


class Access:
    """Callable dependency that states who may use a route, and returns the caller."""

    def __init__(self, grants: Iterable[str] = (), *, public: bool = False):
        self.grants = frozenset(str(g) for g in grants)
        self.public = public
        if not public and not self.grants:
            raise ValueError("a non-public route must grant at least one role")

    async def __call__(self, request: Request) -> Principal | None:
        """On the event loop when the caller is known without I/O (a citizen token verified lately),
        in a worker thread otherwise (staff sessions are looked up, a new token may fetch the IdP's keys)."""
        if self.public:
            try:
                return await _principal(request)
            except (Unauthorized, Forbidden, ServiceUnavailable):
                return None  # a bad or stale credential does not shut anyone out of a public route
        return self.check(await _principal(request))

    def check(self, principal: Principal | None) -> Principal:
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


class ScrapeAccess(Access):
    """Staff with one of ``roles``, or a scraper presenting the configured scrape token as its bearer.
    Without TVP_METRICS_TOKEN set no token is accepted: there is no default one."""

    async def __call__(self, request: Request) -> Principal | None:
        expected = get_settings().metrics_token
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if expected and scheme.lower() == "bearer" and secrets.compare_digest(token, expected):
            return Principal("service", "metrics-scraper", "Prometheus")
        return await super().__call__(request)


def scrape_token_or(*roles: Role) -> ScrapeAccess:
    return ScrapeAccess(roles)
