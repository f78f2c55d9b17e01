"""Authorization codes of the embedded IdP, as a real IdP handles them (RFC 6749 §4.1, RFC 7636).

The code is an opaque random string; only its SHA-256 is stored, with the citizen, client, redirect URI,
nonce and PKCE challenge it was issued for. It lives two minutes and is spent by a conditional UPDATE,
so two racing redemptions cannot both win and a restart cannot make a spent code redeemable again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session

from citizen_app_api.models import AuthorizationCode
from core.config import get_settings
from core.errors import AppError, InvalidInput
from core.time import utc_now

CODE_LIFETIME = timedelta(minutes=2)
CHALLENGE_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256, no padding
VERIFIER_SHAPE = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1
MAX_NONCE = 200  # the column's size
MAX_STATE = 500


class InvalidRequest(AppError):
    """The request is missing a required parameter or has a malformed one (OAuth invalid_request)."""

    status_code = 400


class InvalidGrant(AppError):
    """The authorization code is invalid, expired, already used or not issued to this client."""

    status_code = 400


class InvalidClient(AppError):
    """Unknown client or wrong client credentials."""

    status_code = 401


class UnsupportedGrantType(AppError):
    """Only the authorization_code grant is supported."""

    status_code = 400


def check_client(client_id: str, redirect_uri: str) -> None:
    """Refuses unknown clients and unregistered redirect URIs (never redirect to one of those)."""
    settings = get_settings()
    if client_id != settings.idp_audience:
        raise InvalidClient(f"unknown client_id {client_id!r}")
    if redirect_uri not in settings.idp_redirect_uris:
        raise InvalidInput(f"redirect_uri {redirect_uri!r} is not registered for this client")


def authorization_problem(*, code_challenge: str, method: str, nonce: str, state: str) -> str | None:
    """What is wrong with an authorization request (PKCE S256 is required), or None."""
    if not code_challenge:
        return "code_challenge is required (PKCE, method S256)"
    if method != "S256":
        return "code_challenge_method must be S256"
    if not CHALLENGE_SHAPE.fullmatch(code_challenge):
        return "code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)"
    if len(nonce) > MAX_NONCE:
        return f"nonce is longer than {MAX_NONCE} characters"
    if len(state) > MAX_STATE:
        return f"state is longer than {MAX_STATE} characters"
    return None


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_code(
    db: Session, *, cccd: str, client_id: str, redirect_uri: str, nonce: str, code_challenge: str
) -> str:
    now = utc_now()
    db.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < now))
    code = secrets.token_urlsafe(32)
    db.add(
        AuthorizationCode(
            code_sha256=_digest(code),
            cccd=cccd,
            client_id=client_id,
            redirect_uri=redirect_uri,
            nonce=nonce,
            code_challenge=code_challenge,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    db.flush()
    return code


def redeem_code(
    db: Session, code: str, *, client_id: str, redirect_uri: str, code_verifier: str
) -> AuthorizationCode:
    """Spends the code and returns what it was issued for; a failed check leaves it unspent."""
    if not code_verifier:
        raise InvalidRequest("code_verifier is required (PKCE)")
    if not VERIFIER_SHAPE.fullmatch(code_verifier):
        raise InvalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
    found = db.get(AuthorizationCode, _digest(code))
    if found is None:
        raise InvalidGrant("unknown authorization code")
    if found.client_id != client_id or found.redirect_uri != redirect_uri:
        raise InvalidGrant("the code was issued to another client or redirect URI")
    if not hmac.compare_digest(s256(code_verifier), found.code_challenge):
        raise InvalidGrant("code_verifier does not match the code challenge")
    now = utc_now()
    spent = db.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.code_sha256 == found.code_sha256,
            AuthorizationCode.used_at.is_(None),
            AuthorizationCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[object]", spent).rowcount != 1:
        raise InvalidGrant("authorization code expired" if found.expires_at <= now else "code already used")
    return found
