from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.deps import public, require
from core.auth.principal import Principal
from core.auth.schemas import PrincipalRead, TokenRead, TokenRequest, UserCreate, UserRead
from core.auth.service import authenticate, create_user
from core.auth.tokens import issue_staff_token
from core.db import get_session
from core.errors import Unauthorized
from core.models import Role, User
from core.pagination import Page

router = APIRouter(prefix="/api", tags=["auth"])
DB = Annotated[Session, Depends(get_session, scope="function")]
AnyStaff = Annotated[Principal, Depends(require(*Role))]
Admin = Annotated[Principal, Depends(require(Role.admin))]


@router.post("/auth/token", response_model=TokenRead, summary="Staff sign-in: username + password")
def token(body: TokenRequest, db: DB, _: Annotated[object, Depends(public())]) -> TokenRead:
    user = authenticate(db, username=body.username, password=body.password)
    if user is None:
        db.commit()  # keep the audit record of the failed attempt
        raise Unauthorized("wrong username or password")
    access_token, expires_in = issue_staff_token(str(user.id), user.session_version)
    return TokenRead(access_token=access_token, expires_in=expires_in)


@router.get("/auth/me", response_model=PrincipalRead, summary="Who am I (staff)")
def me(principal: AnyStaff) -> PrincipalRead:
    return PrincipalRead(
        kind=principal.kind, subject=principal.subject, name=principal.name, roles=sorted(principal.roles)
    )


@router.get("/admin/users", response_model=Page[UserRead], summary="List staff users")
def list_users(
    db: DB, _: Admin, page: Annotated[int, Query(ge=1)] = 1, size: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[UserRead]:
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
