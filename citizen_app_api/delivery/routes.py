"""Citizen routes (/api/citizen/v1): devices, receipts, the VAPID key; staff: the postal list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from citizen_app_api.delivery import service
from citizen_app_api.delivery.postal import list_postal
from citizen_app_api.delivery.schemas import (
    EndpointCreate,
    EndpointCreated,
    EndpointRead,
    PostalRead,
    ReceiptRead,
)
from citizen_app_api.delivery.vapid import public_key_b64
from core import audit
from core.auth.deps import citizen_only, public, require
from core.auth.principal import Principal
from core.config import Settings
from core.db import get_write_session
from core.models import Role
from core.pagination import Page, PageNumber, PageSize

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
staff_router = APIRouter(prefix="/api", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]
Citizen = Annotated[Principal, Depends(citizen_only())]
Supervisors = Annotated[Principal, Depends(require(Role.supervisor))]
Public = Annotated[object, Depends(public())]


@router.post("/devices", response_model=EndpointCreated, status_code=201, summary="Register a device")
def register_device(body: EndpointCreate, db: DB, principal: Citizen) -> EndpointCreated:
    endpoint, secret = service.register_endpoint(db, principal.cccd, body)
    return EndpointCreated.model_validate(endpoint).model_copy(update={"secret": secret})


@router.get("/devices", response_model=list[EndpointRead], summary="My devices")
def my_devices(db: DB, principal: Citizen) -> list[EndpointRead]:
    rows = service.list_endpoints(db, principal.cccd)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="citizen",
        object_id=principal.cccd,
        purpose="citizen app: my devices",
        devices=len(rows),
    )
    return [EndpointRead.model_validate(e) for e in rows]


@router.delete("/devices/{endpoint_id}", status_code=204, summary="Remove a device")
def remove_device(endpoint_id: uuid.UUID, db: DB, principal: Citizen) -> Response:
    service.remove_endpoint(db, principal.cccd, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/deliveries/{delivery_id}/receipt", response_model=ReceiptRead, summary="Confirm receipt of a push"
)
def confirm_receipt(delivery_id: str, db: DB, principal: Citizen) -> ReceiptRead:
    return ReceiptRead.model_validate(service.confirm_receipt(db, principal.cccd, delivery_id))


@router.get("/push/vapid-public-key", summary="The applicationServerKey for pushManager.subscribe")
def vapid_public_key(_: Public) -> dict[str, str]:
    return {"public_key": public_key_b64()}


@staff_router.get(
    "/deliveries/postal", response_model=Page[PostalRead], summary="Notices to send by post (supervisors)"
)
def postal(db: DB, principal: Supervisors, page: PageNumber = 1, size: PageSize = 50) -> Page[PostalRead]:
    rows, total = list_postal(db, page=page, size=size)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="postal_list",
        object_id=None,
        purpose="postal delivery list",
        page=page,
        rows=len(rows),
    )
    items = [
        PostalRead(
            notice_id=flag.notice_id,
            notice_number=number,
            cccd=flag.cccd,
            published_at=flag.published_at,
            flagged_at=flag.flagged_at,
            deliveries=flag.deliveries,
        )
        for flag, number in rows
    ]
    return Page(items=items, total=total, page=page, size=size)


def install(app: object, settings: Settings) -> None:
    app.include_router(staff_router)  # type: ignore[attr-defined]
