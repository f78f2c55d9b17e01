"""The citizen-app API (/api/citizen/v1): a citizen only ever sees their own data. Another citizen's id
gets 404, the same answer as an id that does not exist. Other parts of the API (devices, responses,
decisions, evidence, live events) are included by ``install``."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from citizen_app_api import service
from citizen_app_api.evidence import router as evidence_router
from citizen_app_api.idp import router as idp_router
from citizen_app_api.integrity import verify_notice_evidence
from citizen_app_api.responses import router as responses_router
from citizen_app_api.responses import upload_limits as notice_upload_limits
from citizen_app_api.schemas import IntegrityReport, NoticeDetail, NoticeSummary
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.config import Settings
from core.db import get_write_session, read
from core.evidence import get_blob_store
from core.pagination import Page, PageNumber, PageSize
from registry.schemas import CitizenWithVehicles
from registry.service import get_citizen

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])


def upload_limits(settings: Settings) -> dict[str, int]:
    """Disputes' attachments, and an online check-in's card data and camera frames."""
    from exams.schemas import BODY_MAX_BYTES

    return {**notice_upload_limits(settings), "/api/citizen/v1/exams/": BODY_MAX_BYTES}


DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited
Citizen = Annotated[Principal, Depends(citizen_only())]


def json_of(shown: BaseModel) -> Response:
    """The answer as its model's JSON: the routes build it from their response model already, so
    FastAPI's validation of it against that model again is skipped."""
    return Response(shown.model_dump_json(), media_type="application/json")


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such notice, or not yours (the same answer)"}
}


@router.get("/me", response_model=CitizenWithVehicles, summary="My record and my registered vehicles")
def me(db: DB, principal: Citizen) -> CitizenWithVehicles:
    found = get_citizen(db, principal.cccd, actor=principal.actor, with_vehicles=True)
    return CitizenWithVehicles.model_validate(found)


@router.get(
    "/notices",
    response_model=Page[NoticeSummary],
    summary="My penalty notices, newest first: status, amount due today, deadlines",
)
async def my_notices(
    principal: Citizen,
    status: service.CitizenStatus | None = None,
    page: PageNumber = 1,
    size: PageSize = 20,
) -> Response:
    mine = partial(service.list_notices, cccd=principal.cccd, status=status, page=page, size=size)
    return json_of(await read(mine))


@router.get(
    "/notices/{notice_id}",
    response_model=NoticeDetail,
    responses=NOT_FOUND,
    summary="One of my notices: legal basis, measured values, evidence, manifest hash and chain link",
)
async def my_notice(notice_id: uuid.UUID, principal: Citizen) -> Response:
    return json_of(await read(partial(service.notice_detail, notice_id=notice_id, cccd=principal.cccd)))


@router.get(
    "/notices/{notice_id}/document.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **NOT_FOUND},
    summary="The notice document (PDF) as issued to the owner",
)
def my_notice_document(notice_id: uuid.UUID, db: DB, principal: Citizen) -> Response:
    notice, pdf = service.notice_document(db, notice_id, principal.cccd)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{notice.number}.pdf"'},
    )


@router.get(
    "/notices/{notice_id}/verify",
    response_model=IntegrityReport,
    responses=NOT_FOUND,
    summary="Check the integrity of the notice's evidence (manifest, files, camera chain link)",
)
def verify_my_notice(notice_id: uuid.UUID, db: DB, principal: Citizen) -> IntegrityReport:
    notice = service.my_notice(db, notice_id, principal.cccd, purpose="evidence integrity check")
    return verify_notice_evidence(db, get_blob_store(), notice)


def install(app: FastAPI, settings: Settings) -> None:
    from citizen_app_api.decisions import router as decisions_router
    from citizen_app_api.events import router as events_router
    from citizen_app_api.exams import router as exams_router
    from citizen_app_api.payments import router as payments_router

    app.include_router(evidence_router)
    app.include_router(responses_router)
    if settings.idp_embedded:
        app.include_router(idp_router)
    app.include_router(events_router)
    app.include_router(decisions_router)
    app.include_router(payments_router)
    app.include_router(exams_router)
