from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.models import Role
from penalties.cameras import service
from penalties.cameras.schemas import CameraCreate, CameraRead

router = APIRouter(prefix="/api", tags=["penalties"])
DB = Annotated[Session, Depends(get_session, scope="function")]
CameraViewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor, Role.ops, Role.admin))]
CameraAdmins = Annotated[Principal, Depends(require(Role.ops, Role.admin))]


@router.get("/cameras", response_model=list[CameraRead], summary="Cameras")
def cameras(db: DB, _: CameraViewers) -> list[CameraRead]:
    return [CameraRead.model_validate(c) for c in service.list_cameras(db)]


@router.post("/cameras", response_model=CameraRead, status_code=201, summary="Add a camera")
def add_camera(body: CameraCreate, db: DB, principal: CameraAdmins) -> CameraRead:
    return CameraRead.model_validate(service.create_camera(db, body, actor=principal.actor))
