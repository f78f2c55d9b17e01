from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from penalties.cameras.exceptions import CameraCodeTaken
from penalties.cameras.models import Camera
from penalties.cameras.schemas import CameraCreate


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
