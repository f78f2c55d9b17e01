"""The supervisors' dispute queue (review console API); the citizen's own routes are in
citizen_app_api/responses.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.models import Role
from core.pagination import Page, PageNumber, PageSize
from core.time import utc_now
from penalties.responses import disputes
from penalties.responses.models import DisputeStatus
from penalties.responses.schemas import DisputeDecision, DisputeQueueItem, DisputeRead

router = APIRouter(prefix="/api", tags=["penalties"])
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
Supervisors = Annotated[Principal, Depends(require(Role.supervisor))]


@router.get("/disputes", response_model=Page[DisputeQueueItem], summary="Open disputes, oldest first")
def queue(db: AuditedDB, _: Supervisors, page: PageNumber = 1, size: PageSize = 50) -> Page[DisputeQueueItem]:
    rows, total = disputes.open_queue(db, page=page, size=size)
    items = [
        DisputeQueueItem(
            id=d.id,
            notice_id=d.notice_id,
            status=d.status,
            opened_at=d.opened_at,
            attachments=len(d.attachments),
        )
        for d in rows
    ]
    return Page(items=items, total=total, page=page, size=size)


@router.get("/disputes/{dispute_id}", response_model=DisputeRead, summary="A dispute (the read is audited)")
def dispute(dispute_id: uuid.UUID, db: AuditedDB, principal: Supervisors) -> DisputeRead:
    found = disputes.read_dispute(db, dispute_id, actor=principal.actor, purpose="dispute review")
    return DisputeRead.model_validate(found)


@router.get("/disputes/{dispute_id}/attachments/{attachment_id}", summary="An attached file (as re-encoded)")
def attachment(
    dispute_id: uuid.UUID, attachment_id: uuid.UUID, db: AuditedDB, principal: Supervisors
) -> Response:
    item, data = disputes.attachment(db, dispute_id, attachment_id, actor=principal.actor)
    return Response(
        data,
        media_type=item.content_type,
        headers={
            "X-Content-SHA256": item.sha256,
            "Content-Disposition": "attachment",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/disputes/{dispute_id}/decide", response_model=DisputeRead, summary="Uphold, cancel or amend")
def decide(
    dispute_id: uuid.UUID, body: DisputeDecision, db: AuditedDB, principal: Supervisors
) -> DisputeRead:
    decided = disputes.decide(
        db,
        dispute_id,
        outcome=DisputeStatus(body.outcome),
        reason=body.reason,
        amount_vnd=body.amount_vnd,
        actor=principal.actor,
        now=utc_now(),
    )
    return DisputeRead.model_validate(decided)
