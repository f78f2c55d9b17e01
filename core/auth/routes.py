from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import sessions
from core.auth.deps import public, require
from core.auth.passwords import verify_password
from core.auth.principal import Principal
from core.auth.ratelimit import client_address
from core.auth.schemas import (
    PasswordChange,
    PrincipalRead,
    TokenRead,
    TokenRequest,
    UserCreate,
    UserRead,
    UserUpdate,
)
from core.auth.service import create_user, get_user, set_password, update_user
from core.auth.signin import sign_in
from core.auth.tokens import issue_staff_token
from core.db import get_session
from core.errors import Unauthorized
from core.models import Role, User
from core.pagination import Page, PageNumber, PageSize

router = APIRouter(prefix="/api", tags=["auth"])
DB = Annotated[Session, Depends(get_session, scope="function")]
AnyStaff = Annotated[Principal, Depends(require(*Role))]
Admin = Annotated[Principal, Depends(require(Role.admin))]


@router.post("/auth/token", response_model=TokenRead, summary="Staff sign-in: username + password")
def token(body: TokenRequest, request: Request, db: DB, _: Annotated[object, Depends(public())]) -> TokenRead:
    user = sign_in(db, request, username=body.username, password=body.password)
    access_token, expires_in = issue_staff_token(db, user, client_ip=client_address(request))
    return TokenRead(access_token=access_token, expires_in=expires_in)


@router.post("/auth/logout", status_code=204, summary="End this session (the token stops working)")
def logout(db: DB, principal: AnyStaff) -> Response:
    sessions.end(db, principal.sid, actor=principal.actor)
    return Response(status_code=204)


@router.post("/auth/password", status_code=204, summary="Change my password (every session of mine ends)")
def change_password(body: PasswordChange, db: DB, principal: AnyStaff) -> Response:
    user = get_user(db, user_id=principal.user_id)
    if not verify_password(user.password_hash, body.current_password):
        raise Unauthorized("the current password is wrong")
    set_password(db, user, body.new_password, actor=principal.actor)
    return Response(status_code=204)


@router.get("/auth/me", response_model=PrincipalRead, summary="Who am I (staff)")
def me(principal: AnyStaff) -> PrincipalRead:
    return PrincipalRead(
        kind=principal.kind, subject=principal.subject, name=principal.name, roles=sorted(principal.roles)
    )


@router.get("/admin/users", response_model=Page[UserRead], summary="List staff users")
def list_users(db: DB, _: Admin, page: PageNumber = 1, size: PageSize = 50) -> Page[UserRead]:
    total = db.scalar(select(func.count()).select_from(User)) or 0
    rows = db.scalars(select(User).order_by(User.username).offset((page - 1) * size).limit(size))
    return Page(items=[UserRead.model_validate(u) for u in rows], total=total, page=page, size=size)


@router.post("/admin/users", response_model=UserRead, status_code=201, summary="Create a staff user")
def add_user(body: UserCreate, db: DB, principal: Admin) -> UserRead:
    user = create_user(
        db,
        username=body.username,
        full_name=body.full_name,
        password=body.password,
        roles=body.roles,
        actor=principal.actor,
    )
    return UserRead.model_validate(user)


@router.patch(
    "/admin/users/{user_id}",
    response_model=UserRead,
    summary="Change a staff user's roles or deactivate them (their sessions end)",
)
def change_user(user_id: uuid.UUID, body: UserUpdate, db: DB, principal: Admin) -> UserRead:
    user = get_user(db, user_id=user_id)
    return UserRead.model_validate(
        update_user(db, user, actor=principal.actor, roles=body.roles, active=body.active)
    )
