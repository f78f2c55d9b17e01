"""Embedded OIDC-style identity provider: the dev/demo stand-in for VNeID.

Authorization-code flow with PKCE S256 (required). The ID token is RS256-signed and carries the
citizen's CCCD as ``sub`` and ``cccd``. Failed sign-ins are audited and throttled per CCCD and per client
address. Refused in production by the settings check.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.idp_codes import (
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    authorization_problem,
    check_client,
    issue_code,
    redeem_code,
)
from core import audit
from core.auth.deps import public
from core.auth.keys import key_id, public_jwks, signing_key
from core.auth.ratelimit import SignInLimiter, TooManyAttempts, client_address, sign_in_limiter
from core.config import get_settings
from core.db import get_session
from core.time import utc_now
from registry.models import Citizen

router = APIRouter(prefix="/idp", tags=["identity provider (dev)"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
Public = Annotated[object, Depends(public())]
DB = Annotated[Session, Depends(get_session, scope="function")]
Limiter = Annotated[SignInLimiter, Depends(sign_in_limiter)]
ID_TOKEN_LIFETIME_S = 3600
# The passcode sign-in stands in for VNeID's level-2 account (identity checked in person + a passcode).
ASSURANCE = "vneid:level2"
REALM = "idp"
WRONG = "Sai số CCCD hoặc mật mã / Wrong CCCD number or passcode"


def _issuer() -> str:
    return get_settings().idp_issuer.rstrip("/")


def _back_to_client(redirect_uri: str, **params: str) -> RedirectResponse:
    """Return to the (registered) client: a code, or an RFC 6749 §4.1.2.1 error."""
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}", status_code=303)


def _hidden(client_id: str, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> dict[str, str]:
    """The authorization request, carried through the sign-in form."""
    return {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }


def _page(request: Request, params: dict[str, str], error: str | None = None, status: int = 200) -> Any:
    return templates.TemplateResponse(
        request, "idp_login.html", {"params": params, "error": error}, status_code=status
    )


def _audit_attempt(
    db: Session, action: str, attempt: dict[str, str], citizen: Citizen | None = None, **detail: object
) -> None:
    address = attempt["address"]
    audit.record(
        db,
        actor=f"anonymous:{address}",
        action=action,
        object_type="citizen",
        object_id=citizen.id if citizen else None,
        detail={**attempt, **detail},
    )


@router.get("/.well-known/openid-configuration", summary="OIDC discovery document")
def discovery(_: Public) -> dict[str, Any]:
    iss = _issuer()
    return {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/authorize",
        "token_endpoint": f"{iss}/token",
        "jwks_uri": f"{iss}/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        "claims_supported": ["sub", "cccd", "name", "iss", "aud", "exp", "iat", "nonce", "acr", "sid", "jti"],
        "acr_values_supported": [ASSURANCE],
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
    code_challenge_method: str = "",  # absent means "plain" (RFC 7636), which is refused
    response_type: str = "",
) -> Any:
    check_client(client_id, redirect_uri)
    if response_type != "code":
        return _back_to_client(
            redirect_uri,
            error="unsupported_response_type",
            error_description="use response_type=code",
            state=state,
        )
    problem = authorization_problem(
        code_challenge=code_challenge, method=code_challenge_method, nonce=nonce, state=state
    )
    if problem:
        return _back_to_client(redirect_uri, error="invalid_request", error_description=problem, state=state)
    return _page(request, _hidden(client_id, redirect_uri, state, nonce, code_challenge))


@router.post("/authorize", summary="Sign in and return to the app with a code")
def authorize(
    request: Request,
    db: DB,
    limiter: Limiter,
    _: Public,
    cccd: Annotated[str, Form()],
    passcode: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    redirect_uri: Annotated[str, Form()],
    state: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
    code_challenge: Annotated[str, Form()] = "",
    code_challenge_method: Annotated[str, Form()] = "S256",  # our sign-in page always sends S256
) -> Any:
    check_client(client_id, redirect_uri)
    problem = authorization_problem(
        code_challenge=code_challenge, method=code_challenge_method, nonce=nonce, state=state
    )
    if problem:
        return _back_to_client(redirect_uri, error="invalid_request", error_description=problem, state=state)
    params = _hidden(client_id, redirect_uri, state, nonce, code_challenge)
    entered, address = cccd.strip()[:20], client_address(request)
    attempt = {"cccd": entered, "address": address}
    try:
        limiter.check(REALM, account=entered, address=address)
    except TooManyAttempts as exc:
        _audit_attempt(db, "idp.sign_in_refused", attempt, scope=exc.scope, retry_after_s=exc.retry_after_s)
        minutes = -(-exc.retry_after_s // 60)
        message = (
            f"Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {minutes} phút. / "
            f"Too many failed sign-ins. Try again in {minutes} min."
        )
        response = _page(request, params, message, status=429)  # a response: the audit entry commits
        response.headers.update(exc.headers)
        return response
    citizen = db.scalar(select(Citizen).where(Citizen.cccd == entered))
    right = hmac.compare_digest(passcode.encode(), get_settings().idp_demo_passcode.encode())
    if citizen is None or not right:
        limiter.failed(REALM, account=entered, address=address)
        reason = "unknown CCCD" if citizen is None else "wrong passcode"
        _audit_attempt(db, "idp.sign_in_failed", attempt, citizen=citizen, reason=reason)
        return _page(request, params, WRONG, status=401)
    limiter.succeeded(REALM, account=entered)
    code = issue_code(
        db,
        cccd=citizen.cccd,
        client_id=client_id,
        redirect_uri=redirect_uri,
        nonce=nonce,
        code_challenge=code_challenge,
    )
    audit.record(
        db, actor=f"citizen:{citizen.cccd}", action="idp.sign_in", object_type="citizen", object_id=citizen.id
    )
    return _back_to_client(redirect_uri, code=code, state=state)


@router.post("/token", summary="Exchange an authorization code for an ID token")
def token(
    response: Response,
    db: DB,
    _: Public,
    grant_type: Annotated[str, Form()],
    code: Annotated[str, Form()],
    redirect_uri: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    client_secret: Annotated[str, Form()] = "",
    code_verifier: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    settings = get_settings()
    if grant_type != "authorization_code":
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported; use authorization_code")
    if client_id != settings.idp_audience:
        raise InvalidClient(f"unknown client_id {client_id!r}")
    if client_secret and not hmac.compare_digest(client_secret.encode(), settings.idp_client_secret.encode()):
        raise InvalidClient("wrong client secret")
    grant = redeem_code(db, code, client_id=client_id, redirect_uri=redirect_uri, code_verifier=code_verifier)
    citizen = db.scalar(select(Citizen).where(Citizen.cccd == grant.cccd))
    if citizen is None:
        raise InvalidGrant("the citizen is no longer registered")
    now = utc_now()
    id_token = jwt.encode(
        {
            "iss": _issuer(),
            "aud": settings.idp_audience,
            "sub": citizen.cccd,
            "cccd": citizen.cccd,
            "name": citizen.full_name,
            "nonce": grant.nonce,
            "acr": ASSURANCE,
            "sid": secrets.token_urlsafe(16),  # this sign-in's session at the IdP
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + timedelta(seconds=ID_TOKEN_LIFETIME_S),
        },
        signing_key(),
        algorithm="RS256",
        headers={"kid": key_id()},
    )
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    response.headers["Pragma"] = "no-cache"
    return {
        "id_token": id_token,
        "access_token": id_token,
        "token_type": "Bearer",
        "expires_in": ID_TOKEN_LIFETIME_S,
    }
