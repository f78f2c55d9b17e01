"""The citizen-app API (/api/citizen/v1): a citizen only ever sees their own data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.idp import router as idp_router
from citizen_app_api.responses import router as responses_router
from citizen_app_api.responses import upload_limits as upload_limits
from core import audit
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.config import Settings
from core.db import get_write_session
from penalties.notices.access import visible_to
from penalties.notices.models import Notice
from penalties.notices.schemas import NoticeRead
from registry.schemas import CitizenWithVehicles
from registry.service import get_citizen

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited
Citizen = Annotated[Principal, Depends(citizen_only())]


@router.get("/me", response_model=CitizenWithVehicles, summary="My record and my registered vehicles")
def me(db: DB, principal: Citizen) -> CitizenWithVehicles:
    found = get_citizen(db, principal.cccd, actor=principal.actor, with_vehicles=True)
    return CitizenWithVehicles.model_validate(found)


@router.get("/notices", response_model=list[NoticeRead], summary="My penalty notices, newest first")
def my_notices(db: DB, principal: Citizen) -> list[NoticeRead]:
    rows = db.scalars(
        select(Notice).where(visible_to(principal.cccd)).order_by(Notice.issued_at.desc())
    ).all()
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="citizen",
        object_id=principal.cccd,
        purpose="citizen app: my notices",
        notices=len(rows),
    )
    return [NoticeRead.model_validate(n) for n in rows]


def install(app: object, settings: Settings) -> None:
    app.include_router(responses_router)  # type: ignore[attr-defined]
    if settings.idp_embedded:
        app.include_router(idp_router)  # type: ignore[attr-defined]
