"""The embedded IdP's authorization codes behave like a real IdP's: opaque, short-lived, bound to the
client, redirect URI and PKCE challenge, and spent exactly once in the database."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from citizen_app_api.idp_codes import InvalidGrant, redeem_code
from citizen_app_api.models import AuthorizationCode
from core.config import get_settings
from core.db import get_sessionmaker
from core.time import utc_now
from registry.models import Citizen
from tests.support.factories import REDIRECT, make_citizen

CLIENT = "tvp-citizen-app"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(40)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def sign_in(client: TestClient, cccd: str, challenge: str, **changes: str | None) -> Any:
    form: dict[str, str | None] = {
        "cccd": cccd,
        "passcode": "123456",
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "state": "st",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    form.update(changes)
    return client.post("/idp/authorize", data={k: v for k, v in form.items() if v is not None})


def code_from(resp: Any) -> str:
    assert resp.status_code == 303, resp.text
    query = parse_qs(urlparse(resp.headers["location"]).query)
    assert query["state"] == ["st"]
    return str(query["code"][0])


def exchange(
    client: TestClient, code: str, verifier: str | None, changes: dict[str, str] | None = None
) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT,
        "code_verifier": verifier,
    }
    form.update(changes or {})
    return client.post("/idp/token", data={k: v for k, v in form.items() if v is not None})


@pytest.fixture
def citizen(db: Session) -> Citizen:
    found = make_citizen(db, name="Nguyễn Văn An")
    db.commit()
    return found


@pytest.fixture
def idp(client: TestClient) -> TestClient:
    client.follow_redirects = False
    return client


def test_code_is_opaque_and_only_its_hash_is_stored(idp: TestClient, citizen: Citizen, db: Session) -> None:
    verifier, challenge = pkce()
    code = code_from(sign_in(idp, citizen.cccd, challenge))
    assert citizen.cccd not in code and "Nguy" not in code
    with pytest.raises(jwt.DecodeError):
        jwt.get_unverified_header(code)  # no longer a JWT carrying the citizen in clear
    assert len(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))) >= 32
    rows = db.scalars(select(AuthorizationCode)).all()
    assert [r.code_sha256 for r in rows] == [hashlib.sha256(code.encode()).hexdigest()]
    row = rows[0]
    assert (row.cccd, row.client_id, row.redirect_uri, row.nonce) == (citizen.cccd, CLIENT, REDIRECT, "n-1")
    assert row.code_challenge == challenge and row.used_at is None
    assert timedelta(0) < row.expires_at - row.created_at <= timedelta(minutes=2)

    tok = exchange(idp, code, verifier)
    assert tok.status_code == 200, tok.text
    assert tok.headers["cache-control"] == "no-store"
    claims = jwt.decode(tok.json()["id_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["name"], claims["nonce"]) == (citizen.cccd, "Nguyễn Văn An", "n-1")


def test_a_code_is_redeemed_once_even_after_a_restart(idp: TestClient, citizen: Citizen, db: Session) -> None:
    verifier, challenge = pkce()
    code = code_from(sign_in(idp, citizen.cccd, challenge))
    assert exchange(idp, code, verifier).status_code == 200
    replay = exchange(idp, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "InvalidGrant"
    assert db.scalar(select(AuthorizationCode.used_at)) is not None  # spent in the database
    from core.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as restarted:
        again = exchange(restarted, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "InvalidGrant"
    assert "already used" in again.json()["detail"]


def test_racing_redemptions_cannot_both_win(idp: TestClient, citizen: Citizen) -> None:
    verifier, challenge = pkce()
    code = code_from(sign_in(idp, citizen.cccd, challenge))
    sessions = get_sessionmaker()
    with sessions() as slow, sessions() as fast:
        # The slower request has read the code (unused) before the faster one spends it.
        seen = slow.get(AuthorizationCode, hashlib.sha256(code.encode()).hexdigest())
        slow.commit()
        assert seen is not None and seen.used_at is None
        redeem_code(fast, code, client_id=CLIENT, redirect_uri=REDIRECT, code_verifier=verifier)
        fast.commit()
        with pytest.raises(InvalidGrant, match="already used"):
            redeem_code(slow, code, client_id=CLIENT, redirect_uri=REDIRECT, code_verifier=verifier)
        slow.rollback()


def test_expired_code_is_refused(idp: TestClient, citizen: Citizen, db: Session) -> None:
    verifier, challenge = pkce()
    code = code_from(sign_in(idp, citizen.cccd, challenge))
    db.execute(update(AuthorizationCode).values(expires_at=utc_now() - timedelta(seconds=1)))
    db.commit()
    resp = exchange(idp, code, verifier)
    assert resp.status_code == 400 and resp.json()["error"] == "InvalidGrant"
    assert "expired" in resp.json()["detail"]


def test_pkce_is_required_at_authorize(idp: TestClient, citizen: Citizen) -> None:
    base = {"client_id": CLIENT, "redirect_uri": REDIRECT, "state": "st", "response_type": "code"}
    _, challenge = pkce()
    refused = {
        "no challenge": {},
        "plain method": {"code_challenge": challenge, "code_challenge_method": "plain"},
        "no method (means plain)": {"code_challenge": challenge},
        "challenge too short": {"code_challenge": challenge[:-1], "code_challenge_method": "S256"},
        "challenge not base64url": {"code_challenge": "+" * 43, "code_challenge_method": "S256"},
    }
    for case, params in refused.items():
        resp = idp.get("/idp/authorize", params={**base, **params})
        assert resp.status_code == 303, case
        query = parse_qs(urlparse(resp.headers["location"]).query)
        assert resp.headers["location"].startswith(REDIRECT + "?"), case
        assert query["error"] == ["invalid_request"] and query["state"] == ["st"], case
        assert "code" not in query
    page = idp.get(
        "/idp/authorize", params={**base, "code_challenge": challenge, "code_challenge_method": "S256"}
    )
    assert page.status_code == 200 and challenge in page.text
    # Posting the form straight away without a challenge gets no code either.
    resp = sign_in(idp, citizen.cccd, "", code_challenge_method=None)
    assert resp.status_code == 303 and "error=invalid_request" in resp.headers["location"]
    assert "code=" not in resp.headers["location"]


def test_pkce_verifier_is_required_at_token(idp: TestClient, citizen: Citizen) -> None:
    verifier, challenge = pkce()
    code = code_from(sign_in(idp, citizen.cccd, challenge))
    bad = {
        "missing": (None, "InvalidRequest"),
        "client secret instead": (None, "InvalidRequest"),
        "too short": ("a" * 42, "InvalidRequest"),
        "too long": ("a" * 129, "InvalidRequest"),
        "not unreserved characters": ("a" * 42 + "/", "InvalidRequest"),
        "wrong verifier": (pkce()[0], "InvalidGrant"),
    }
    for case, (value, error) in bad.items():
        secret = {"client_secret": get_settings().idp_client_secret} if "secret" in case else {}
        resp = exchange(idp, code, value, secret)
        assert resp.status_code == 400, case
        assert resp.json()["error"] == error, case
    assert exchange(idp, code, verifier).status_code == 200  # failed attempts did not spend it


def test_unknown_client_or_redirect_uri_is_a_clear_error_never_a_redirect(
    idp: TestClient, citizen: Citizen
) -> None:
    _, challenge = pkce()
    pkce_params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    evil = {"client_id": CLIENT, "redirect_uri": "https://evil.example/cb", **pkce_params}
    resp = idp.get("/idp/authorize", params=evil)
    assert resp.status_code == 422 and "location" not in resp.headers
    assert resp.json()["error"] == "InvalidInput" and "not registered" in resp.json()["detail"]
    resp = idp.get("/idp/authorize", params={**evil, "client_id": "someone-else", "redirect_uri": REDIRECT})
    assert resp.status_code == 401 and resp.json()["error"] == "InvalidClient"
    assert "location" not in resp.headers
    # The unregistered URI is refused before anything else is checked, even with no PKCE at all.
    resp = idp.get("/idp/authorize", params={"client_id": CLIENT, "redirect_uri": "https://evil.example/cb"})
    assert resp.status_code == 422 and "location" not in resp.headers
    resp = sign_in(idp, citizen.cccd, challenge, redirect_uri="https://evil.example/cb")
    assert resp.status_code == 422 and "location" not in resp.headers


def test_token_endpoint_errors(idp: TestClient, citizen: Citizen) -> None:
    verifier, challenge = pkce()
    code = code_from(sign_in(idp, citizen.cccd, challenge))
    cases = {
        "other client": ({"client_id": "someone-else"}, 401, "InvalidClient"),
        "wrong client secret": ({"client_secret": "nope"}, 401, "InvalidClient"),
        "other redirect": ({"redirect_uri": "http://127.0.0.1:8000/citizen/callback"}, 400, "InvalidGrant"),
        "unknown code": ({"code": secrets.token_urlsafe(32)}, 400, "InvalidGrant"),
        "other grant": ({"grant_type": "password"}, 400, "UnsupportedGrantType"),
    }
    for case, (changes, status, error) in cases.items():
        resp = exchange(idp, code, verifier, changes)
        assert (resp.status_code, resp.json()["error"]) == (status, error), case
        assert "detail" in resp.json()
    assert exchange(idp, code, verifier).status_code == 200


def test_oversized_nonce_is_a_clear_error(idp: TestClient, citizen: Citizen) -> None:
    _, challenge = pkce()
    resp = sign_in(idp, citizen.cccd, challenge, nonce="n" * 201)
    assert resp.status_code == 303 and "error=invalid_request" in resp.headers["location"]
