from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session, get_write_session
from core.models import Role
from registry import service
from registry.schemas import CitizenCreate, CitizenRead, CitizenWithVehicles, VehicleCreate, VehicleRead

router = APIRouter(prefix="/api/registry", tags=["registry"])
DB = Annotated[Session, Depends(get_session, scope="function")]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]  # the read is audited
Lookup = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor, Role.exam_officer, Role.admin))]
VehicleLookup = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor, Role.admin))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
CCCDPath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit CCCD number")]


@router.post("/citizens", response_model=CitizenRead, status_code=201, summary="Add a citizen")
def add_citizen(body: CitizenCreate, db: DB, principal: Admin) -> CitizenRead:
    return CitizenRead.model_validate(service.create_citizen(db, body, actor=principal.actor))


@router.get("/citizens/{cccd}", response_model=CitizenWithVehicles, summary="Citizen by CCCD (audited)")
def citizen(cccd: CCCDPath, db: AuditedDB, principal: Lookup) -> CitizenWithVehicles:
    found = service.get_citizen(db, cccd, actor=principal.actor, with_vehicles=True)
    return CitizenWithVehicles.model_validate(found)


@router.post("/vehicles", response_model=VehicleRead, status_code=201, summary="Register a vehicle")
def add_vehicle(body: VehicleCreate, db: DB, principal: Admin) -> VehicleRead:
    return VehicleRead.model_validate(service.register_vehicle(db, body, actor=principal.actor))


@router.get("/vehicles/{plate}", response_model=VehicleRead, summary="Vehicle by plate (audited)")
def vehicle(plate: str, db: AuditedDB, principal: VehicleLookup) -> VehicleRead:
    return VehicleRead.model_validate(service.get_vehicle(db, plate, actor=principal.actor))
