from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from penalties.exceptions import CameraCodeTaken
from penalties.models import Camera, CandidateStatus, ViolationCandidate
from penalties.schemas import CameraCreate


def create_camera(session: Session, data: CameraCreate, *, actor: str) -> Camera:
    if session.scalar(select(Camera.id).where(Camera.code == data.code)) is not None:
        raise CameraCodeTaken(f"camera {data.code} already exists")
    camera = Camera(**data.model_dump())
    session.add(camera)
    session.flush()
    audit.record(session, actor=actor, action="camera.create", object_type="camera", object_id=camera.id)
    return camera


def list_cameras(session: Session) -> Sequence[Camera]:
    return session.scalars(select(Camera).order_by(Camera.code)).all()


def list_candidates(
    session: Session, *, status: CandidateStatus | None, page: int, size: int
) -> tuple[Sequence[ViolationCandidate], int]:
    query = select(ViolationCandidate)
    if status is not None:
        query = query.where(ViolationCandidate.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ViolationCandidate.detected_at).offset((page - 1) * size).limit(size)
    ).all()
    return rows, total
