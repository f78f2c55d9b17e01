"""The embedded VNeID stand-in and the citizen API: a citizen sees only their own data."""

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.auth.idp import OIDCProvider, ProviderUnavailable, TokenRejected
from core.config import get_settings
from core.time import utc_now
from detection.vehicles import VehicleClass
from tests.support.factories import REDIRECT, citizen_token, make_citizen, make_vehicle


@pytest.fixture
def two_citizens(db: Session):
    a = make_citizen(db, serial=1, name="Nguyễn Văn An")
    b = make_citizen(db, serial=2, name="Trần Thị Bình")
    make_vehicle(db, a, "51G12345", "51G-123.45")
    make_vehicle(db, b, "59X137438", "59-X1 374.38", VehicleClass.motorbike)
    db.commit()
    return a, b


def test_citizen_sees_only_own_record(client: TestClient, two_citizens) -> None:
    a, b = two_citizens
    for me, plate in ((a, "51G-123.45"), (b, "59-X1 374.38")):
        token = citizen_token(client, me.cccd)
        body = client.get("/api/citizen/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert body["cccd"] == me.cccd
        assert [v["plate_display"] for v in body["vehicles"]] == [plate]
        # Staff routes that could reveal someone else are closed to citizens.
        other = b if me is a else a
        resp = client.get(
            f"/api/registry/citizens/{other.cccd}", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code == 403


def test_wrong_passcode_or_unknown_citizen(client: TestClient, two_citizens) -> None:
    a, _ = two_citizens
    form = {
        "cccd": a.cccd,
        "passcode": "000000",
        "client_id": "tvp-citizen-app",
        "redirect_uri": REDIRECT,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    }
    resp = client.post("/idp/authorize", data=form, follow_redirects=False)
    assert resp.status_code == 401 and "Wrong CCCD number or passcode" in resp.text
    form.update(cccd="001090999999", passcode="123456")
    assert client.post("/idp/authorize", data=form, follow_redirects=False).status_code == 401


def test_unregistered_redirect_uri_is_refused(client: TestClient) -> None:
    resp = client.get(
        "/idp/authorize", params={"client_id": "tvp-citizen-app", "redirect_uri": "https://evil.example/cb"}
    )
    assert resp.status_code == 422 and "not registered" in resp.json()["detail"]


def _token(key, **claims):
    settings = get_settings()
    base = {
        "iss": settings.idp_issuer,
        "aud": settings.idp_audience,
        "sub": "079090123456",
        "cccd": "079090123456",
        "iat": utc_now(),
        "exp": utc_now() + timedelta(minutes=5),
    }
    base.update(claims)
    from core.auth.keys import key_id

    return jwt.encode(base, key, algorithm="RS256", headers={"kid": key_id()})


def test_forged_expired_and_foreign_tokens_are_rejected(client: TestClient, two_citizens) -> None:
    from core.auth.keys import signing_key

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = {
        "forged": _token(stranger),
        "expired": _token(signing_key(), exp=utc_now() - timedelta(minutes=1)),
        "other audience": _token(signing_key(), aud="some-other-app"),
        "other issuer": _token(signing_key(), iss="https://evil.example"),
        "no cccd": _token(signing_key(), sub="abc", cccd=None),
    }
    for name, token in bad.items():
        resp = client.get("/api/citizen/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, name
        assert resp.json()["error"] == "Unauthorized", name


def test_oidc_provider_verifies_through_jwks_over_http(client: TestClient, two_citizens) -> None:
    a, _ = two_citizens
    settings = get_settings().model_copy(
        update={"idp_jwks_url": "http://testserver/idp/jwks", "idp_issuer": get_settings().idp_issuer}
    )
    provider = OIDCProvider(settings, http=client)  # TestClient speaks HTTP to the running app
    ident = provider.verify(citizen_token(client, a.cccd))
    assert ident.cccd == a.cccd and ident.name == a.full_name
    with pytest.raises(TokenRejected):
        provider.verify("garbage")


def test_oidc_provider_reports_unreachable_jwks(client: TestClient) -> None:
    import httpx

    settings = get_settings().model_copy(update={"idp_jwks_url": "http://127.0.0.1:1/jwks"})
    provider = OIDCProvider(settings, http=httpx.Client(timeout=1))
    from core.auth.keys import signing_key

    with pytest.raises(ProviderUnavailable, match="cannot fetch JWKS"):
        provider.verify(_token(signing_key()))


def test_discovery_document(client: TestClient) -> None:
    doc = client.get("/idp/.well-known/openid-configuration").json()
    assert doc["jwks_uri"].endswith("/idp/jwks")
    keys = client.get("/idp/jwks").json()["keys"]
    assert keys[0]["alg"] == "RS256" and "d" not in keys[0]  # never the private part
