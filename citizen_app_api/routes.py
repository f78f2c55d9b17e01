"""The citizen-app API (/api/citizen/v1): a citizen only ever sees their own data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from citizen_app_api.idp import router as idp_router
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.config import Settings
from core.db import get_session
from registry.schemas import CitizenWithVehicles
from registry.service import get_citizen

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_session, scope="function")]
Citizen = Annotated[Principal, Depends(citizen_only())]


@router.get("/me", response_model=CitizenWithVehicles, summary="My record and my registered vehicles")
def me(db: DB, principal: Citizen) -> CitizenWithVehicles:
    found = get_citizen(db, principal.cccd, actor=principal.actor, with_vehicles=True)
    return CitizenWithVehicles.model_validate(found)


def install(app: object, settings: Settings) -> None:
    if settings.idp_embedded:
        app.include_router(idp_router)  # type: ignore[attr-defined]
