"""Citizen tokens must carry exp, iat, iss, aud and sub; the CCCD is exactly 12 ASCII digits; a token for
several audiences counts only when it was issued to us (azp). Both providers apply the same rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.auth.idp import EmbeddedProvider, OIDCProvider, TokenRejected
from core.config import get_settings
from core.time import utc_now
from tests.support.factories import make_citizen

CCCD = "079090123456"
_MISSING = object()


def claims(**changes: Any) -> dict[str, Any]:
    settings = get_settings()
    now = utc_now()
    base: dict[str, Any] = {
        "iss": settings.idp_issuer,
        "aud": settings.idp_audience,
        "sub": CCCD,
        "cccd": CCCD,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not _MISSING}


# Changes to a valid token's claims; the tokens are made when each test runs (they expire).
REJECTED: dict[str, dict[str, Any]] = {
    "no exp": {"exp": _MISSING},
    "no iat": {"iat": _MISSING},
    "no iss": {"iss": _MISSING},
    "no aud": {"aud": _MISSING},
    "no sub": {"sub": _MISSING},
    "cccd with a trailing newline": {"sub": CCCD + "\n", "cccd": CCCD + "\n"},
    "cccd in non-ASCII digits": {"sub": "٠٧٩٠٩٠١٢٣٤٥٦", "cccd": "٠٧٩٠٩٠١٢٣٤٥٦"},
    "two audiences, no azp": {"aud": ["tvp-citizen-app", "other-app"]},
    "two audiences, azp of another app": {"aud": ["tvp-citizen-app", "other-app"], "azp": "other-app"},
    "azp of another app": {"azp": "other-app"},
}
ACCEPTED: dict[str, dict[str, Any]] = {
    "plain": {},
    "audience list of one": {"aud": ["tvp-citizen-app"]},
    "two audiences, azp is us": {"aud": ["tvp-citizen-app", "other-app"], "azp": "tvp-citizen-app"},
}


@pytest.fixture(scope="module")
def oidc_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OneKeyJWKS:
    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.body = {"keys": [{**jwk, "kid": "k1"}]}

    def get(self, url: str) -> httpx.Response:
        return httpx.Response(200, json=self.body, request=httpx.Request("GET", url))


@pytest.mark.parametrize("case", list(REJECTED))
def test_oidc_provider_rejects(case: str, oidc_key: rsa.RSAPrivateKey) -> None:
    oidc = OIDCProvider(get_settings(), http=OneKeyJWKS(oidc_key))
    with pytest.raises(TokenRejected):
        oidc.verify(jwt.encode(claims(**REJECTED[case]), oidc_key, algorithm="RS256", headers={"kid": "k1"}))


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_oidc_provider_accepts(case: str, oidc_key: rsa.RSAPrivateKey) -> None:
    oidc = OIDCProvider(get_settings(), http=OneKeyJWKS(oidc_key))
    token = jwt.encode(claims(**ACCEPTED[case]), oidc_key, algorithm="RS256", headers={"kid": "k1"})
    assert oidc.verify(token).cccd == CCCD


def _embedded_token(body: dict[str, Any]) -> str:
    from core.auth.keys import key_id, signing_key

    return jwt.encode(body, signing_key(), algorithm="RS256", headers={"kid": key_id()})


@pytest.mark.parametrize("case", list(REJECTED))
def test_embedded_provider_rejects(case: str) -> None:
    with pytest.raises(TokenRejected):
        EmbeddedProvider(get_settings()).verify(_embedded_token(claims(**REJECTED[case])))


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_embedded_provider_accepts(case: str) -> None:
    assert EmbeddedProvider(get_settings()).verify(_embedded_token(claims(**ACCEPTED[case]))).cccd == CCCD


def test_token_without_exp_gets_401_at_the_api(client: TestClient, db: Session) -> None:
    citizen = make_citizen(db)
    db.commit()
    token = _embedded_token(claims(sub=citizen.cccd, cccd=citizen.cccd, exp=_MISSING))
    resp = client.get("/api/citizen/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and resp.json()["error"] == "Unauthorized"
    assert "exp" in resp.json()["detail"]
