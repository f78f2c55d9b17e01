"""Cameras and their configuration versions: one way to register, the row derived from the newest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from detection.camera_config import CameraConfig, CameraConfigError
from penalties.cameras.config import LoadedCamera, camera_from_text
from penalties.cameras.exceptions import (
    CameraCodeTaken,
    CameraConfigInvalid,
    CameraConfigOutdated,
    CameraConfigVersionTaken,
    CameraNotFound,
)
from penalties.cameras.models import Camera, CameraConfigVersion
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


def camera_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Camera)) or 0


def get_camera(session: Session, code: str) -> Camera:
    camera = session.scalars(select(Camera).where(Camera.code == code)).first()
    if camera is None:
        raise CameraNotFound(f"no camera {code}")
    return camera


def register_config(
    session: Session, text: str, *, actor: str, source: str = "camera configuration"
) -> tuple[Camera, CameraConfigVersion]:
    """Validate a configuration's YAML text and store it as a version of its camera (see register_loaded)."""
    try:
        loaded = camera_from_text(text, source=source)
    except CameraConfigError as exc:
        raise CameraConfigInvalid(str(exc)) from exc
    return register_loaded(session, loaded, actor=actor)


def register_loaded(
    session: Session, loaded: LoadedCamera, *, actor: str
) -> tuple[Camera, CameraConfigVersion]:
    """Store a loaded configuration as a version of its camera and derive the camera's row from it.

    The same text again is a no-op (also for an older version, so an old file can still be run).
    A different text under a stored version, or a version below the newest, is refused."""
    info = loaded.config.camera
    camera = session.scalars(select(Camera).where(Camera.code == info.id)).first()
    if camera is None:
        camera = Camera(code=info.id, **_row_fields(loaded.config))
        session.add(camera)
        session.flush()
        audit.record(session, actor=actor, action="camera.create", object_type="camera", object_id=camera.id)
    else:
        stored = session.scalars(
            select(CameraConfigVersion).where(
                CameraConfigVersion.camera_id == camera.id, CameraConfigVersion.version == info.version
            )
        ).first()
        if stored is not None:
            if stored.sha256 == loaded.sha256:
                return camera, stored
            raise CameraConfigVersionTaken(
                f"camera {info.id} version {info.version} is already stored with a different text "
                f"(sha256 {stored.sha256[:12]}…): bump camera.version"
            )
        newest = newest_config(session, camera)
        if newest is not None and newest.version > info.version:
            raise CameraConfigOutdated(
                f"camera {info.id} is at version {newest.version}; version {info.version} is older: "
                "bump camera.version above the newest"
            )
    version = CameraConfigVersion(
        camera_id=camera.id, version=info.version, sha256=loaded.sha256, text=loaded.text, created_by=actor
    )
    session.add(version)
    for field, value in _row_fields(loaded.config).items():
        setattr(camera, field, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="camera.config.register",
        object_type="camera",
        object_id=camera.id,
        detail={"version": info.version, "sha256": loaded.sha256},
    )
    return camera, version


def _row_fields(config: CameraConfig) -> dict[str, object]:
    loc = config.camera.location
    return {
        "name": loc.name,
        "road": loc.road,
        "province_code": loc.province_code,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "speed_limit_kmh": loc.speed_limit_kmh,
    }


def newest_config(session: Session, camera: Camera) -> CameraConfigVersion | None:
    return session.scalars(
        select(CameraConfigVersion)
        .where(CameraConfigVersion.camera_id == camera.id)
        .order_by(CameraConfigVersion.version.desc())
        .limit(1)
    ).first()


def config_versions(session: Session, camera: Camera) -> Sequence[CameraConfigVersion]:
    """Every stored version of a camera's configuration, newest first."""
    return session.scalars(
        select(CameraConfigVersion)
        .where(CameraConfigVersion.camera_id == camera.id)
        .order_by(CameraConfigVersion.version.desc())
    ).all()


def stored_camera(session: Session, code: str) -> LoadedCamera:
    """The newest stored configuration of camera ``code``, loaded as a file would be."""
    camera = get_camera(session, code)
    newest = newest_config(session, camera)
    if newest is None:
        raise CameraNotFound(
            f"camera {code} has no stored configuration: register one with `tvp cameras add`"
        )
    return camera_from_text(newest.text, source=f"camera {code} v{newest.version}")


def stored_camera_version(session: Session, code: str, version: int) -> LoadedCamera:
    """Version ``version`` of camera ``code``'s stored configuration (a queued job runs with the
    version it was given, even when a newer one is registered meanwhile)."""
    camera = get_camera(session, code)
    row = session.scalars(
        select(CameraConfigVersion).where(
            CameraConfigVersion.camera_id == camera.id, CameraConfigVersion.version == version
        )
    ).first()
    if row is None:
        raise CameraNotFound(f"camera {code} has no configuration version {version}")
    return camera_from_text(row.text, source=f"camera {code} v{row.version}")


def ensure_camera(session: Session, loaded: LoadedCamera, *, actor: str) -> Camera:
    """The camera's row for a run: its configuration registered (a no-op when already stored)."""
    return register_loaded(session, loaded, actor=actor)[0]


def is_config_path(camera: str) -> bool:
    """``--camera``: a YAML path (registered when run) rather than a stored camera's code."""
    return camera.lower().endswith((".yaml", ".yml")) or Path(camera).is_file()
