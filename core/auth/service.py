"""Staff users: create, authenticate, change roles. Services flush; callers commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import sessions
from core.auth.passwords import hash_password, needs_rehash, verify_password
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Role, User
from core.time import utc_now

MIN_PASSWORD = 10


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: Iterable[Role | str],
    actor: str = audit.SYSTEM,
) -> User:
    role_values = sorted({Role(r).value for r in roles})
    if not role_values:
        raise InvalidInput("a staff user needs at least one role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(
        username=username, full_name=full_name, password_hash=hash_password(password), roles=role_values
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        detail={"roles": role_values},
    )
    return user


def authenticate(
    session: Session, *, username: str, password: str, client_ip: str | None = None
) -> User | None:
    """The user, or None after auditing the failed attempt (the caller commits that record)."""
    user = session.scalar(select(User).where(User.username == username))
    # Verify against a dummy hash for unknown users so timing doesn't reveal which usernames exist.
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        audit.record(
            session,
            actor=f"anonymous:{username[:60]}",
            action="auth.login_failed",
            object_type="user",
            object_id=user.id if user else None,
            detail={"address": client_ip},
        )
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utc_now()
    audit.record(
        session,
        actor=f"staff:{user.id}",
        action="auth.login",
        object_type="user",
        object_id=user.id,
        detail={"address": client_ip},
    )
    return user


def set_password(session: Session, user: User, password: str, *, actor: str) -> None:
    """New password; every session of the user ends (they sign in again with it)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters")
    user.password_hash = hash_password(password)
    user.session_version += 1
    ended = sessions.end_all(session, user.id, reason="password_change")
    audit.record(
        session,
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.id,
        detail={"sessions_ended": ended},
    )


def update_user(
    session: Session,
    user: User,
    *,
    actor: str,
    roles: Iterable[Role | str] | None = None,
    active: bool | None = None,
) -> User:
    """Change roles or (de)activate; the user's sessions end so the change applies at once."""
    before = {"roles": list(user.roles), "active": user.active}
    if roles is not None:
        role_values = sorted({Role(r).value for r in roles})
        if not role_values:
            raise InvalidInput("a staff user needs at least one role")
        user.roles = role_values
    if active is not None:
        user.active = active
    after = {"roles": list(user.roles), "active": user.active}
    if after != before:
        user.session_version += 1
        ended = sessions.end_all(session, user.id, reason="role_change")
        audit.record(
            session,
            actor=actor,
            action="user.update",
            object_type="user",
            object_id=user.id,
            detail={"before": before, "after": after, "sessions_ended": ended},
        )
    return user


def get_user(session: Session, *, user_id: uuid.UUID | None = None, username: str | None = None) -> User:
    where = User.id == user_id if user_id else User.username == username
    query = select(User).where(where)
    user = session.scalar(query)
    if user is None:
        raise NotFound(f"no staff user {user_id or username}")
    return user


_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")
