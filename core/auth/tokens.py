"""Staff bearer tokens (HS256, signed with TVP_SECRET_KEY)."""

from __future__ import annotations

from datetime import timedelta

import jwt

from core.config import get_settings
from core.time import utc_now

STAFF_AUDIENCE = "tvp-staff"


def issue_staff_token(user_id: str, session_version: int) -> tuple[str, int]:
    settings = get_settings()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    now = utc_now()
    claims = {"sub": user_id, "sv": session_version, "aud": STAFF_AUDIENCE, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, settings.secret_key, algorithm="HS256"), int(lifetime.total_seconds())


def decode_staff_token(token: str) -> dict[str, object]:
    """Raises jwt.InvalidTokenError on a forged, expired or foreign token."""
    return jwt.decode(token, get_settings().secret_key, algorithms=["HS256"], audience=STAFF_AUDIENCE)
