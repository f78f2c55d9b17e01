"""Staff sign-in for the API and the pages alike: throttled per account and per address, audited."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from core import audit
from core.auth.ratelimit import TooManyAttempts, client_address, sign_in_limiter
from core.auth.service import authenticate
from core.errors import Unauthorized
from core.models import User

REALM = "staff"


def sign_in(db: Session, request: Request, *, username: str, password: str) -> User:
    """The user, or an error; the audit record of a refused or failed attempt is committed."""
    limiter, address = sign_in_limiter(request), client_address(request)
    try:
        limiter.check(REALM, account=username, address=address)
    except TooManyAttempts as exc:
        audit.record(
            db,
            actor=f"anonymous:{username[:60]}",
            action="auth.login_throttled",
            object_type="user",
            detail={"address": address, "scope": exc.scope, "retry_after_s": exc.retry_after_s},
        )
        db.commit()
        raise
    user = authenticate(db, username=username, password=password, client_ip=address)
    if user is None:
        limiter.failed(REALM, account=username, address=address)
        db.commit()  # keep the audit record of the failed attempt
        raise Unauthorized("wrong username or password")
    limiter.succeeded(REALM, account=username)
    return user
