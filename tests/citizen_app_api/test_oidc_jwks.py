"""OIDC mode: the issuer's JWKS is cached; unknown key ids cannot make us hammer the IdP, and a fetch
in flight never holds up tokens signed with a key we already have."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from core.auth.idp import OIDCProvider, ProviderUnavailable, TokenRejected
from core.config import get_settings
from core.time import utc_now

CCCD = "079090123456"


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("k1", "k2")}


def token(key: rsa.RSAPrivateKey, kid: str) -> str:
    settings = get_settings()
    now = utc_now()
    claims = {
        "iss": settings.idp_issuer,
        "aud": settings.idp_audience,
        "sub": CCCD,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


class FakeJWKS:
    """Counts fetches; ``hold`` makes a fetch wait (a slow IdP) until ``release`` is set."""

    def __init__(self, jwks: list[dict[str, Any]]) -> None:
        self.jwks = jwks
        self.fetches = 0
        self.down = False
        self.hold = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def get(self, url: str) -> httpx.Response:
        self.fetches += 1
        self.entered.set()
        if self.hold:
            assert self.release.wait(30), "test never released the fetch"
        if self.down:
            raise httpx.ConnectError("IdP unreachable")
        return httpx.Response(200, json={"keys": self.jwks}, request=httpx.Request("GET", url))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(http: FakeJWKS, clock: Clock) -> OIDCProvider:
    return OIDCProvider(get_settings(), http=http, cache_seconds=300, min_refetch_seconds=60, clock=clock)


def test_unknown_key_ids_refetch_at_most_once_per_interval(keys) -> None:
    idp = FakeJWKS([_jwk(keys["k1"], "k1")])
    clock = Clock()
    oidc = provider(idp, clock)
    assert oidc.verify(token(keys["k1"], "k1")).cccd == CCCD
    assert idp.fetches == 1
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for i in range(50):  # 50 anonymous requests, each with a made-up kid, just after a fetch
        with pytest.raises(TokenRejected, match="unknown key"):
            oidc.verify(token(stranger, f"made-up-{i}"))
    assert idp.fetches == 1
    clock.now += 61
    for i in range(50):
        with pytest.raises(TokenRejected, match="unknown key"):
            oidc.verify(token(stranger, f"again-{i}"))
    assert idp.fetches == 2  # one look for a rotated key per interval, however many ask


def test_concurrent_unknown_kids_share_one_fetch_and_valid_tokens_do_not_wait(keys) -> None:
    idp = FakeJWKS([_jwk(keys["k1"], "k1")])
    clock = Clock()
    oidc = provider(idp, clock)
    good = token(keys["k1"], "k1")
    oidc.verify(good)
    clock.now += 61
    idp.hold = True
    idp.entered.clear()
    outcomes: list[str] = []

    def anonymous(i: int) -> None:
        try:
            oidc.verify(token(keys["k2"], f"unknown-{i}"))
        except TokenRejected:
            outcomes.append("401")

    crowd = [threading.Thread(target=anonymous, args=(i,)) for i in range(50)]
    for t in crowd:
        t.start()
    assert idp.entered.wait(30)  # one of them is now stuck in the slow fetch
    citizen_done = threading.Event()

    def citizen_call() -> None:
        oidc.verify(good)
        citizen_done.set()

    citizen = threading.Thread(target=citizen_call)
    citizen.start()
    # The citizen's token uses a cached key: it is verified while the fetch still hangs.
    assert citizen_done.wait(30), "a valid token waited for the JWKS fetch"
    assert idp.fetches == 2 and not idp.release.is_set()
    idp.release.set()
    for t in [*crowd, citizen]:
        t.join(30)
    assert outcomes == ["401"] * 50
    assert idp.fetches == 2


def test_key_rotation_is_picked_up_after_the_interval(keys) -> None:
    idp = FakeJWKS([_jwk(keys["k1"], "k1")])
    clock = Clock()
    oidc = provider(idp, clock)
    oidc.verify(token(keys["k1"], "k1"))
    idp.jwks = [_jwk(keys["k1"], "k1"), _jwk(keys["k2"], "k2")]  # the IdP publishes a new key
    clock.now += 61
    assert oidc.verify(token(keys["k2"], "k2")).cccd == CCCD
    assert oidc.verify(token(keys["k1"], "k1")).cccd == CCCD
    assert idp.fetches == 2


def test_cached_keys_are_refreshed_after_cache_seconds(keys) -> None:
    idp = FakeJWKS([_jwk(keys["k1"], "k1")])
    clock = Clock()
    oidc = provider(idp, clock)
    oidc.verify(token(keys["k1"], "k1"))
    idp.jwks = [_jwk(keys["k2"], "k2")]  # k1 withdrawn (compromised)
    clock.now += 301
    with pytest.raises(TokenRejected, match="unknown key"):
        oidc.verify(token(keys["k1"], "k1"))
    assert idp.fetches == 2


def test_unreachable_jwks_keeps_the_cached_keys(keys) -> None:
    idp = FakeJWKS([_jwk(keys["k1"], "k1")])
    clock = Clock()
    oidc = provider(idp, clock)
    oidc.verify(token(keys["k1"], "k1"))
    idp.down = True
    clock.now += 301  # cache expired and the IdP is down: keep verifying with what we have
    assert oidc.verify(token(keys["k1"], "k1")).cccd == CCCD
    with pytest.raises(TokenRejected, match="unknown key"):  # 401, not 503, for a key we never had
        oidc.verify(token(keys["k2"], "k2"))
    assert idp.fetches == 2  # the failed fetch also counts against the interval


def test_unreachable_jwks_without_keys_is_unavailable(keys) -> None:
    idp = FakeJWKS([_jwk(keys["k1"], "k1")])
    idp.down = True
    clock = Clock()
    oidc = provider(idp, clock)
    for _ in range(5):
        with pytest.raises(ProviderUnavailable, match="cannot fetch JWKS"):
            oidc.verify(token(keys["k1"], "k1"))
    assert idp.fetches == 1
    idp.down = False
    clock.now += 61
    assert oidc.verify(token(keys["k1"], "k1")).cccd == CCCD


def test_malformed_jwks_entries_are_skipped(keys) -> None:
    idp = FakeJWKS([{"kid": "bad", "kty": "RSA"}, {"kty": "RSA"}, _jwk(keys["k1"], "k1")])
    oidc = provider(idp, Clock())
    assert oidc.verify(token(keys["k1"], "k1")).cccd == CCCD
