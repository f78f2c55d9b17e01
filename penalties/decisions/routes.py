"""The supervisors' decision API: issue, list, read, and the documents as issued (every read audited)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from core import audit
from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.models import Role
from core.pagination import Page, PageNumber, PageSize
from core.time import utc_now
from penalties.decisions import service
from penalties.decisions.models import Decision, DecisionStatus
from penalties.decisions.schemas import DecisionCreate, DecisionRead

router = APIRouter(prefix="/api", tags=["penalties"])
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
Supervisors = Annotated[Principal, Depends(require(Role.supervisor))]
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def document_response(decision: Decision, kind: str) -> Response:
    sha = decision.document_sha256 if kind == "pdf" else decision.html_sha256
    plain = decision.number.replace("Đ", "D")  # header values are latin-1; the UTF-8 name follows
    disposition = f"inline; filename=\"{plain}.{kind}\"; filename*=UTF-8''{quote(decision.number)}.{kind}"
    return Response(
        service.document_bytes(decision, kind),
        media_type=MEDIA[kind],
        headers={
            "Content-Disposition": disposition,
            "X-Content-SHA256": sha or "",
        },
    )


@router.post("/decisions", response_model=DecisionRead, status_code=201, summary="Issue a sanction decision")
def issue(body: DecisionCreate, db: AuditedDB, principal: Supervisors) -> DecisionRead:
    decision = service.issue_decision(db, body.notice_ids, issued_by=principal.user_id, now=utc_now())
    return DecisionRead.model_validate(decision)


@router.get("/decisions", response_model=Page[DecisionRead], summary="Sanction decisions, newest first")
def decisions(
    db: AuditedDB,
    principal: Supervisors,
    status: DecisionStatus | None = None,
    page: PageNumber = 1,
    size: PageSize = 50,
) -> Page[DecisionRead]:
    rows, total = service.list_decisions(db, status=status, page=page, size=size)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="decisions",
        object_id=None,
        purpose="staff API: decision list",
        decisions=[str(d.id) for d in rows],
    )
    return Page(items=[DecisionRead.model_validate(d) for d in rows], total=total, page=page, size=size)


@router.get("/decisions/{decision_id}.pdf", summary="The decision's PDF as issued")
def decision_pdf(decision_id: uuid.UUID, db: AuditedDB, principal: Supervisors) -> Response:
    decision = service.read_decision(
        db, decision_id, actor=principal.actor, purpose="staff API: decision PDF"
    )
    return document_response(decision, "pdf")


@router.get("/decisions/{decision_id}.html", summary="The printable decision as issued")
def decision_html(decision_id: uuid.UUID, db: AuditedDB, principal: Supervisors) -> Response:
    decision = service.read_decision(
        db, decision_id, actor=principal.actor, purpose="staff API: decision HTML"
    )
    return document_response(decision, "html")


@router.get(
    "/decisions/{decision_id}", response_model=DecisionRead, summary="A decision (the read is audited)"
)
def decision(decision_id: uuid.UUID, db: AuditedDB, principal: Supervisors) -> DecisionRead:
    found = service.read_decision(db, decision_id, actor=principal.actor, purpose="staff API")
    return DecisionRead.model_validate(found)
