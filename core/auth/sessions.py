"""Server-side staff sessions. A page cookie or an API token only carries a random session token; the
session row decides whether it still works. Sign-out, a password or role change, deactivation, idleness
(pages) and age end it, whatever copies of the cookie or token exist."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.db import session_scope
from core.models import StaffSession, User
from core.time import utc_now

log = logging.getLogger(__name__)

PAGE, API = "page", "api"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often per session


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session, user: User, *, kind: str, lifetime: timedelta, client_ip: str | None = None
) -> str:
    """A new session for ``user``; returns the token to hand out (stored only as its hash)."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    session.add(
        StaffSession(
            token_sha256=token_hash(token),
            user_id=user.id,
            kind=kind,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            client_ip=client_ip,
        )
    )
    session.flush()
    return token


def page_lifetime() -> timedelta:
    return timedelta(hours=get_settings().session_max_hours)


@dataclass(frozen=True)
class LiveSession:
    user_id: uuid.UUID
    full_name: str
    roles: frozenset[str]


def resolve(token: str, *, kind: str, now: datetime | None = None) -> LiveSession | None:
    """The signed-in user behind ``token``, or None when the session has ended for any reason."""
    now = now or utc_now()
    key = token_hash(token)
    with session_scope(writes=False) as db:
        row = db.execute(
            select(StaffSession, User).join(User).where(StaffSession.token_sha256 == key)
        ).first()
        if row is None:
            return None
        staff_session, user = row
        idle = timedelta(minutes=get_settings().session_idle_minutes)
        if (
            staff_session.kind != kind
            or staff_session.revoked_at is not None
            or staff_session.expires_at <= now
            or (kind == PAGE and now - staff_session.last_seen_at > idle)
            or not user.active
        ):
            return None
        live = LiveSession(user.id, user.full_name, frozenset(user.roles))
        stale = now - staff_session.last_seen_at > TOUCH_EVERY
    if stale:
        _touch(key, now)
    return live


def _touch(key: str, now: datetime) -> None:
    """Note the session's use, best effort and without waiting: the request resolving its user may
    already hold the write lock (on SQLite, its own write session opened before this dependency), and
    waiting would be waiting for itself (30 s, then a 500). A touch that cannot lock at once is skipped:
    the next request makes it."""
    try:
        with session_scope(wait=False) as db:
            db.execute(update(StaffSession).where(StaffSession.token_sha256 == key).values(last_seen_at=now))
    except OperationalError:
        log.info("session use not noted: the database is busy; the next request notes it")


def end(session: Session, token: str, *, actor: str, reason: str = "sign_out") -> None:
    row = session.get(StaffSession, token_hash(token))
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at, row.revoked_reason = utc_now(), reason
    audit.record(session, actor=actor, action="auth.logout", object_type="user", object_id=row.user_id)


def end_all(session: Session, user_id: uuid.UUID, *, reason: str) -> int:
    """End every live session of a user (password or role change, deactivation)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utc_now(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
