from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from detection.camera_config import CameraConfig
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


def ensure_camera(session: Session, config: CameraConfig, *, actor: str) -> Camera:
    """The camera's row, made from its configuration the first time it is seen."""
    info = config.camera
    camera = session.scalars(select(Camera).where(Camera.code == info.id)).first()
    if camera is None:
        loc = info.location
        camera = Camera(
            code=info.id,
            name=loc.name,
            road=loc.road,
            province_code=loc.province_code,
            latitude=loc.latitude,
            longitude=loc.longitude,
            speed_limit_kmh=loc.speed_limit_kmh,
        )
        session.add(camera)
        session.flush()
        audit.record(session, actor=actor, action="camera.create", object_type="camera", object_id=camera.id)
    return camera
