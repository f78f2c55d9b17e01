"""Citizen identity providers (VNeID and its embedded dev/demo stand-in).

A provider turns a bearer token into a verified ``CitizenIdentity``. The OIDC provider fetches the
issuer's JWKS over HTTP (cached) and checks signature, issuer, audience and expiry.
"""

from __future__ import annotations

import re
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import jwt

from core.backends import Backend
from core.config import Settings

CCCD_SHAPE = re.compile(r"^\d{12}$")


class TokenRejected(Exception):
    """The token is forged, expired, for another audience or lacks a CCCD."""


class ProviderUnavailable(Exception):
    """The identity provider's keys cannot be fetched."""


@dataclass(frozen=True)
class CitizenIdentity:
    cccd: str
    name: str


class IdentityProvider(Backend, ABC):
    registry: ClassVar[dict[str, type[Any]]] = {}

    def __init__(self, settings: Settings, http: httpx.Client | None = None) -> None:
        self.issuer = settings.idp_issuer.rstrip("/")
        self.audience = settings.idp_audience

    @abstractmethod
    def verify(self, token: str) -> CitizenIdentity: ...


def identity_from_claims(claims: dict[str, Any]) -> CitizenIdentity:
    cccd = str(claims.get("cccd") or claims.get("sub") or "")
    if not CCCD_SHAPE.match(cccd):
        raise TokenRejected("token carries no 12-digit CCCD")
    return CitizenIdentity(cccd=cccd, name=str(claims.get("name", "")))


class OIDCProvider(IdentityProvider):
    name = "oidc"

    def __init__(self, settings: Settings, http: Any = None, cache_seconds: int = 300):
        # ``http``: an httpx.Client (or anything with the same get()), e.g. a test client.
        super().__init__(settings)
        self.jwks_url = settings.resolved_jwks_url
        self.http = http or httpx.Client(timeout=5.0)
        self.cache_seconds = cache_seconds
        self._keys: dict[str, Any] = {}
        self._fetched = 0.0
        self._lock = threading.Lock()

    def _load_keys(self, force: bool = False) -> dict[str, Any]:
        with self._lock:
            if force or not self._keys or time.monotonic() - self._fetched > self.cache_seconds:
                try:
                    resp = self.http.get(self.jwks_url)
                    resp.raise_for_status()
                    jwks = resp.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise ProviderUnavailable(f"cannot fetch JWKS from {self.jwks_url}: {exc}") from exc
                self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if "kid" in k}
                self._fetched = time.monotonic()
            return self._keys

    def verify(self, token: str) -> CitizenIdentity:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(str(exc)) from exc
        keys = self._load_keys()
        if kid not in keys:  # the issuer may have rotated its key
            keys = self._load_keys(force=True)
        if kid not in keys:
            raise TokenRejected("token signed with an unknown key")
        try:
            claims = jwt.decode(
                token, keys[kid], algorithms=["RS256"], audience=self.audience, issuer=self.issuer
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(str(exc)) from exc
        return identity_from_claims(claims)


class EmbeddedProvider(IdentityProvider):
    """Verifies tokens of the embedded dev/demo IdP with its local key (no HTTP round trip needed)."""

    name = "embedded"

    def verify(self, token: str) -> CitizenIdentity:
        from core.auth.keys import signing_key

        try:
            claims = jwt.decode(
                token,
                signing_key().public_key(),
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(str(exc)) from exc
        return identity_from_claims(claims)


_provider: IdentityProvider | None = None


def get_identity_provider(settings: Settings) -> IdentityProvider:
    global _provider
    if _provider is None:
        kind = "embedded" if settings.idp_embedded else "oidc"
        _provider = IdentityProvider.by_name(kind)(settings)
    return _provider


def set_identity_provider(provider: IdentityProvider | None) -> None:
    global _provider
    _provider = provider
