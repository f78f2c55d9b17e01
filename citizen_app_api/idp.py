"""Embedded OIDC-style identity provider: the dev/demo stand-in for VNeID.

Authorization-code flow (PKCE S256 or client secret). The ID token is RS256-signed and carries the
citizen's CCCD as ``sub`` and ``cccd``. Refused in production by the settings check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth.deps import public
from core.auth.keys import key_id, public_jwks, signing_key
from core.config import get_settings
from core.db import get_session
from core.errors import AppError, InvalidInput
from core.time import utc_now
from registry.models import Citizen

router = APIRouter(prefix="/idp", tags=["identity provider (dev)"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
Public = Annotated[object, Depends(public())]
DB = Annotated[Session, Depends(get_session, scope="function")]
CODE_AUDIENCE = "tvp-idp-code"
_used_codes: set[str] = set()
_used_lock = threading.Lock()


class InvalidGrant(AppError):
    """The authorization code is invalid, expired or already used."""

    status_code = 400


class InvalidClient(AppError):
    """Unknown client or wrong client credentials."""

    status_code = 401


def _issuer() -> str:
    return get_settings().idp_issuer.rstrip("/")


def _check_client(client_id: str, redirect_uri: str) -> None:
    settings = get_settings()
    if client_id != settings.idp_audience:
        raise InvalidClient(f"unknown client_id {client_id!r}")
    if redirect_uri not in settings.idp_redirect_uris:
        raise InvalidInput(f"redirect_uri {redirect_uri!r} is not registered for this client")


@router.get("/.well-known/openid-configuration", summary="OIDC discovery document")
def discovery(_: Public) -> dict[str, Any]:
    iss = _issuer()
    return {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/authorize",
        "token_endpoint": f"{iss}/token",
        "jwks_uri": f"{iss}/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "cccd", "name", "iss", "aud", "exp", "iat", "nonce"],
    }


@router.get("/jwks", summary="Public signing keys")
def jwks(_: Public) -> dict[str, Any]:
    return public_jwks()


@router.get("/authorize", response_class=HTMLResponse, summary="Sign-in page (VNeID stand-in)")
def authorize_form(
    request: Request,
    _: Public,
    client_id: str,
    redirect_uri: str,
    state: str = "",
    nonce: str = "",
    code_challenge: str = "",
    code_challenge_method: Annotated[str, Query(pattern="^(S256)?$")] = "",
    response_type: Annotated[str, Query(pattern="^code$")] = "code",
) -> HTMLResponse:
    _check_client(client_id, redirect_uri)
    return templates.TemplateResponse(
        request,
        "idp_login.html",
        {
            "params": {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
            },
            "error": None,
        },
    )


@router.post("/authorize", summary="Sign in and return to the app with a code")
def authorize(
    request: Request,
    db: DB,
    _: Public,
    cccd: Annotated[str, Form()],
    passcode: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    redirect_uri: Annotated[str, Form()],
    state: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
    code_challenge: Annotated[str, Form()] = "",
) -> Any:
    _check_client(client_id, redirect_uri)
    citizen = db.scalar(select(Citizen).where(Citizen.cccd == cccd.strip()))
    ok = hmac.compare_digest(passcode.encode(), get_settings().idp_demo_passcode.encode())
    if citizen is None or not ok:
        params = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
        }
        return templates.TemplateResponse(
            request,
            "idp_login.html",
            {"params": params, "error": "Sai số CCCD hoặc mật mã / Wrong CCCD number or passcode"},
            status_code=401,
        )
    code = jwt.encode(
        {
            "aud": CODE_AUDIENCE,
            "sub": citizen.cccd,
            "name": citizen.full_name,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "nonce": nonce,
            "cc": code_challenge,
            "jti": secrets.token_hex(8),
            "exp": utc_now() + timedelta(seconds=120),
        },
        get_settings().secret_key,
        algorithm="HS256",
    )
    audit.record(
        db, actor=f"citizen:{citizen.cccd}", action="idp.sign_in", object_type="citizen", object_id=citizen.id
    )
    return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=303)


@router.post("/token", summary="Exchange an authorization code for an ID token")
def token(
    _: Public,
    grant_type: Annotated[str, Form(pattern="^authorization_code$")],
    code: Annotated[str, Form()],
    redirect_uri: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    client_secret: Annotated[str, Form()] = "",
    code_verifier: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    settings = get_settings()
    try:
        claims = jwt.decode(code, settings.secret_key, algorithms=["HS256"], audience=CODE_AUDIENCE)
    except jwt.InvalidTokenError as exc:
        raise InvalidGrant(f"invalid code: {exc}") from exc
    if claims["client_id"] != client_id or claims["redirect_uri"] != redirect_uri:
        raise InvalidGrant("code was issued to another client or redirect URI")
    if claims["cc"]:
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        )
        if not hmac.compare_digest(digest, claims["cc"]):
            raise InvalidGrant("code_verifier does not match the code challenge")
    elif not hmac.compare_digest(client_secret.encode(), settings.idp_client_secret.encode()):
        raise InvalidClient("wrong client secret")
    with _used_lock:
        if claims["jti"] in _used_codes:
            raise InvalidGrant("code already used")
        _used_codes.add(claims["jti"])
    now = utc_now()
    lifetime = timedelta(hours=1)
    id_token = jwt.encode(
        {
            "iss": _issuer(),
            "aud": settings.idp_audience,
            "sub": claims["sub"],
            "cccd": claims["sub"],
            "name": claims["name"],
            "nonce": claims["nonce"],
            "iat": now,
            "exp": now + lifetime,
        },
        signing_key(),
        algorithm="RS256",
        headers={"kid": key_id()},
    )
    return {
        "id_token": id_token,
        "access_token": id_token,
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
    }
