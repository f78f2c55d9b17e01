from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.models import Role
from penalties.cameras import service
from penalties.cameras.exceptions import CameraConfigInvalid, CameraNotFound
from penalties.cameras.models import CameraConfigVersion
from penalties.cameras.schemas import CameraConfigRead, CameraCreate, CameraRead

router = APIRouter(prefix="/api", tags=["penalties"])
DB = Annotated[Session, Depends(get_session, scope="function")]
CameraViewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor, Role.ops, Role.admin))]
CameraAdmins = Annotated[Principal, Depends(require(Role.ops, Role.admin))]
Code = Annotated[str, Path(max_length=40, description="Camera code, e.g. HCM-Q1-001")]
YAML_BODY = {
    "requestBody": {
        "required": True,
        "description": "The camera configuration file's YAML text (text/plain or application/yaml)",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


async def _yaml_text(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CameraConfigInvalid("the body is not UTF-8 text") from exc


def _read(code: str, version: CameraConfigVersion) -> CameraConfigRead:
    return CameraConfigRead(
        camera=code,
        version=version.version,
        sha256=version.sha256,
        created_by=version.created_by,
        created_at=version.created_at,
    )


@router.get("/cameras", response_model=list[CameraRead], summary="Cameras")
def cameras(db: DB, _: CameraViewers) -> list[CameraRead]:
    return [CameraRead.model_validate(c) for c in service.list_cameras(db)]


@router.post("/cameras", response_model=CameraRead, status_code=201, summary="Add a camera")
def add_camera(body: CameraCreate, db: DB, principal: CameraAdmins) -> CameraRead:
    return CameraRead.model_validate(service.create_camera(db, body, actor=principal.actor))


@router.post(
    "/cameras/configs",
    response_model=CameraConfigRead,
    status_code=201,
    summary="Register a camera configuration version",
    openapi_extra=YAML_BODY,
)
def register_config(
    text: Annotated[str, Depends(_yaml_text)], db: DB, principal: CameraAdmins
) -> CameraConfigRead:
    """Store the YAML as a version of its camera and update the camera from it (the same text again
    returns the stored version; a different text needs a higher camera.version)."""
    camera, version = service.register_config(db, text, actor=principal.actor, source="body")
    return _read(camera.code, version)


@router.get(
    "/cameras/{code}/configs",
    response_model=list[CameraConfigRead],
    summary="A camera's configuration versions",
)
def config_versions(code: Code, db: DB, _: CameraViewers) -> list[CameraConfigRead]:
    camera = service.get_camera(db, code)
    return [_read(camera.code, v) for v in service.config_versions(db, camera)]


@router.get(
    "/cameras/{code}/configs/{version}",
    response_class=PlainTextResponse,
    summary="The YAML text of one configuration version",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def config_text(code: Code, version: int, db: DB, _: CameraViewers) -> PlainTextResponse:
    camera = service.get_camera(db, code)
    stored = next((v for v in service.config_versions(db, camera) if v.version == version), None)
    if stored is None:
        raise CameraNotFound(f"camera {code} has no configuration version {version}")
    return PlainTextResponse(stored.text, media_type="application/yaml; charset=utf-8")
