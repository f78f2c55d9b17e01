from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.models import Role
from penalties.notices.schemas import CancelRequest, NoticeRead
from penalties.notices.service import cancel_notice, read_notice

router = APIRouter(prefix="/api", tags=["penalties"])
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
Reviewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]
Supervisors = Annotated[Principal, Depends(require(Role.supervisor))]


@router.get("/notices/{notice_id}", response_model=NoticeRead, summary="A notice (the read is audited)")
def notice(notice_id: uuid.UUID, db: AuditedDB, principal: Reviewers) -> NoticeRead:
    found = read_notice(db, notice_id, actor=principal.actor, purpose="staff API")
    return NoticeRead.model_validate(found)


@router.post(
    "/notices/{notice_id}/cancel", response_model=NoticeRead, summary="Cancel a notice (supervisors)"
)
def cancel(notice_id: uuid.UUID, body: CancelRequest, db: AuditedDB, principal: Supervisors) -> NoticeRead:
    return NoticeRead.model_validate(cancel_notice(db, notice_id, reason=body.reason, actor=principal.actor))
