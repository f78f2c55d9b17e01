"""Citizen identity providers (VNeID and its embedded dev/demo stand-in).

A provider turns a bearer token into a verified ``CitizenIdentity``. The OIDC provider fetches the
issuer's JWKS over HTTP and caches it; both check signature, issuer, audience (and ``azp`` when the token
names several audiences), expiry and the presence of exp, iat, iss, aud and sub.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import jwt

from core.backends import Backend
from core.config import Settings

logger = logging.getLogger(__name__)
CCCD_SHAPE = re.compile(r"[0-9]{12}")  # fullmatch: `$` would let a trailing newline through
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class TokenRejected(Exception):
    """The token is forged, expired, for another audience or lacks a CCCD."""


class ProviderUnavailable(Exception):
    """The identity provider's keys cannot be fetched."""


@dataclass(frozen=True)
class CitizenIdentity:
    cccd: str
    name: str
    acr: str = ""  # assurance level of the sign-in, e.g. "vneid:level2"
    session_id: str = ""  # the IdP's session (``sid``), else the token's own id (``jti``)
    expires_at: float = 0.0  # the token's ``exp`` (Unix seconds)


VERIFIED_FOR_S = 60.0  # a verified token is taken again without checking for this long, never past exp
VERIFIED_MAX = 50_000  # tokens remembered per process (the oldest forgotten first)


class VerifiedTokens:
    """Tokens this process verified in the last minute: the citizen app sends the same token with every
    request, and checking it (base64, JSON, RSA) cost more than the whole notice list's SQL. A token
    is remembered only once verified, until its ``exp`` or ``VERIFIED_FOR_S``, whichever comes first, so
    a key the issuer withdrew stops working within a minute here (as the JWKS cache's own refresh)."""

    def __init__(self) -> None:
        self._found: OrderedDict[str, tuple[CitizenIdentity, float]] = OrderedDict()  # token → (who, until)
        self._lock = threading.Lock()

    def get(self, token: str) -> CitizenIdentity | None:
        found = self._found.get(token)
        if found is None:
            return None
        if time.time() < found[1]:
            return found[0]
        with self._lock:
            self._found.pop(token, None)
        return None

    def put(self, token: str, identity: CitizenIdentity) -> None:
        with self._lock:
            self._found[token] = (identity, min(identity.expires_at, time.time() + VERIFIED_FOR_S))
            while len(self._found) > VERIFIED_MAX:
                self._found.popitem(last=False)


class IdentityProvider(Backend, ABC):
    registry: ClassVar[dict[str, type[Any]]] = {}

    def __init__(self, settings: Settings, http: httpx.Client | None = None) -> None:
        self.issuer = settings.idp_issuer.rstrip("/")
        self.audience = settings.idp_audience
        self.verified = VerifiedTokens()

    @abstractmethod
    def verify(self, token: str) -> CitizenIdentity: ...

    def identity(self, token: str) -> CitizenIdentity:
        """``verify``, or what it said of this token within the last minute."""
        found = self.verified.get(token)
        if found is None:
            found = self.verify(token)
            self.verified.put(token, found)
        return found

    def _decode(self, token: str, key: Any) -> CitizenIdentity:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(str(exc)) from exc
        # OIDC Core 3.1.3.7: with several audiences the token must say it was issued to us (azp).
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.audience:
            raise TokenRejected("token was issued to another client (azp)")
        return identity_from_claims(claims)


def identity_from_claims(claims: dict[str, Any]) -> CitizenIdentity:
    cccd = claims.get("cccd") or claims.get("sub")
    if not isinstance(cccd, str) or not CCCD_SHAPE.fullmatch(cccd):
        raise TokenRejected("token carries no 12-digit CCCD")
    return CitizenIdentity(
        cccd=cccd,
        name=str(claims.get("name", "")),
        acr=str(claims.get("acr") or ""),
        session_id=str(claims.get("sid") or claims.get("jti") or ""),
        expires_at=float(claims["exp"]),
    )


class OIDCProvider(IdentityProvider):
    """Verifies tokens against the issuer's JWKS.

    The keys are refetched when older than ``cache_seconds`` or when a token names a key id we do not
    have (the issuer may have rotated its key), but never more than once per ``min_refetch_seconds``:
    made-up key ids cannot turn into a flood of requests to the IdP. Only one thread fetches at a time
    and no lock is held across the network call, so tokens signed with a cached key never wait for it.
    If the IdP cannot be reached, the cached keys stay in use.
    """

    name = "oidc"

    def __init__(
        self,
        settings: Settings,
        http: Any = None,
        cache_seconds: float = 300,
        min_refetch_seconds: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ):
        # ``http``: an httpx.Client (or anything with the same get()), e.g. a test client.
        super().__init__(settings)
        self.jwks_url = settings.resolved_jwks_url
        self.http = http or httpx.Client(timeout=5.0)
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at = -math.inf  # last successful fetch
        self._tried_at = -math.inf  # last attempt, successful or not
        self._fetching = False
        self._state = threading.Condition()  # guards the fields above; never held across a fetch

    def _fetch(self) -> dict[str, Any]:
        try:
            resp = self.http.get(self.jwks_url)
            resp.raise_for_status()
            entries = resp.json().get("keys", [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise ProviderUnavailable(f"cannot fetch JWKS from {self.jwks_url}: {exc}") from exc
        keys: dict[str, Any] = {}
        for entry in entries if isinstance(entries, list) else []:
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry).key
            except (jwt.PyJWKError, jwt.InvalidKeyError, KeyError, TypeError, ValueError) as exc:
                logger.warning("skipping unusable JWKS entry from %s: %s", self.jwks_url, exc)
        return keys

    def _refresh(self) -> None:
        """Fetch the keys unless another thread is fetching or the last try was too recent."""
        with self._state:
            now = self._clock()
            if self._fetching or now - self._tried_at < self.min_refetch_seconds:
                return
            self._fetching, self._tried_at = True, now
        keys: dict[str, Any] | None = None
        try:
            keys = self._fetch()
        finally:
            with self._state:
                if keys is not None:
                    self._keys, self._fetched_at = keys, now
                self._fetching = False
                self._state.notify_all()

    def _keys_for(self, kid: str) -> dict[str, Any]:
        with self._state:
            keys, age = self._keys, self._clock() - self._fetched_at
        if kid in keys and age <= self.cache_seconds:
            return keys
        try:
            self._refresh()
        except ProviderUnavailable:
            if not keys:
                raise
            logger.warning("JWKS refresh failed; keeping the %d cached keys", len(keys))
        with self._state:
            if not self._keys:  # nothing cached yet: wait for the first fetch someone else started
                self._state.wait_for(lambda: not self._fetching, timeout=10)
                if not self._keys:
                    raise ProviderUnavailable(f"cannot fetch JWKS from {self.jwks_url}")
            return self._keys

    def verify(self, token: str) -> CitizenIdentity:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(str(exc)) from exc
        if not isinstance(kid, str):
            raise TokenRejected("token names no key id (kid)")
        key = self._keys_for(kid).get(kid)
        if key is None:
            raise TokenRejected("token signed with an unknown key")
        return self._decode(token, key)


class EmbeddedProvider(IdentityProvider):
    """Verifies tokens of the embedded dev/demo IdP with its local key (no HTTP round trip needed)."""

    name = "embedded"

    def verify(self, token: str) -> CitizenIdentity:
        from core.auth.keys import signing_key

        return self._decode(token, signing_key().public_key())


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
