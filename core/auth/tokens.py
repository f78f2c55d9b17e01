"""Staff bearer tokens (HS256, signed with TVP_SECRET_KEY), each bound to a server-side API session."""

from __future__ import annotations

from datetime import timedelta

import jwt
from sqlalchemy.orm import Session

from core.auth import sessions
from core.config import get_settings
from core.models import User
from core.time import utc_now

STAFF_AUDIENCE = "tvp-staff"


def issue_staff_token(session: Session, user: User, *, client_ip: str | None = None) -> tuple[str, int]:
    settings = get_settings()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    sid = sessions.start(session, user, kind=sessions.API, lifetime=lifetime, client_ip=client_ip)
    now = utc_now()
    claims = {
        "sub": str(user.id),
        "sid": sid,
        "aud": STAFF_AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, settings.secret_key, algorithm="HS256"), int(lifetime.total_seconds())


def decode_staff_token(token: str) -> dict[str, object]:
    """Raises jwt.InvalidTokenError on a forged, expired or foreign token."""
    return jwt.decode(
        token,
        get_settings().secret_key,
        algorithms=["HS256"],
        audience=STAFF_AUDIENCE,
        options={"require": ["sub", "sid", "exp", "iat", "aud"]},
    )
