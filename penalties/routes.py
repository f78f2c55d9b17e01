from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.models import Role
from core.pagination import Page
from penalties import service
from penalties.models import CandidateStatus
from penalties.schemas import CameraCreate, CameraRead, CandidateRead

router = APIRouter(prefix="/api", tags=["penalties"])
DB = Annotated[Session, Depends(get_session, scope="function")]
CameraViewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor, Role.ops, Role.admin))]
CameraAdmins = Annotated[Principal, Depends(require(Role.ops, Role.admin))]
Reviewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]


@router.get("/cameras", response_model=list[CameraRead], summary="Cameras")
def cameras(db: DB, _: CameraViewers) -> list[CameraRead]:
    return [CameraRead.model_validate(c) for c in service.list_cameras(db)]


@router.post("/cameras", response_model=CameraRead, status_code=201, summary="Add a camera")
def add_camera(body: CameraCreate, db: DB, principal: CameraAdmins) -> CameraRead:
    return CameraRead.model_validate(service.create_camera(db, body, actor=principal.actor))


@router.get("/candidates", response_model=Page[CandidateRead], summary="Violation candidates, oldest first")
def candidates(
    db: DB,
    _: Reviewers,
    status: CandidateStatus | None = CandidateStatus.pending_review,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[CandidateRead]:
    rows, total = service.list_candidates(db, status=status, page=page, size=size)
    return Page(items=[CandidateRead.model_validate(c) for c in rows], total=total, page=page, size=size)
