"""The citizen's sanction decisions (as the person sanctioned) and licence points; another citizen's
decision is "not found". Every read is audited."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from core import audit
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.db import get_write_session
from core.time import utc_now, vn_today
from penalties.decisions import service
from penalties.decisions.ledger import standings
from penalties.decisions.routes import document_response
from penalties.decisions.schemas import DecisionRead, PointsRead, StandingRead

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited
Citizen = Annotated[Principal, Depends(citizen_only())]


@router.get("/decisions", response_model=list[DecisionRead], summary="My sanction decisions, newest first")
def my_decisions(db: DB, principal: Citizen) -> list[DecisionRead]:
    rows = service.decisions_of(db, principal.cccd)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="citizen",
        object_id=principal.cccd,
        purpose="citizen app: my decisions",
        decisions=len(rows),
    )
    return [DecisionRead.model_validate(d) for d in rows]


@router.get("/decisions/{decision_id}", response_model=DecisionRead, summary="One of my decisions")
def my_decision(decision_id: uuid.UUID, db: DB, principal: Citizen) -> DecisionRead:
    found = service.decision_for_citizen(db, decision_id, principal.cccd, purpose="decision")
    return DecisionRead.model_validate(found)


@router.get("/decisions/{decision_id}/document.pdf", summary="My decision's PDF as issued")
def my_decision_pdf(decision_id: uuid.UUID, db: DB, principal: Citizen) -> Response:
    found = service.decision_for_citizen(db, decision_id, principal.cccd, purpose="decision PDF")
    return document_response(found, "pdf")


@router.get("/decisions/{decision_id}/document.html", summary="My decision, printable, as issued")
def my_decision_html(decision_id: uuid.UUID, db: DB, principal: Citizen) -> Response:
    found = service.decision_for_citizen(db, decision_id, principal.cccd, purpose="decision HTML")
    return document_response(found, "html")


@router.post(
    "/decisions/{decision_id}/receipt",
    response_model=DecisionRead,
    summary="Confirm I received the decision (starts the 10 days to pay)",
)
def confirm_receipt(decision_id: uuid.UUID, db: DB, principal: Citizen) -> DecisionRead:
    found = service.decision_for_citizen(db, decision_id, principal.cccd, purpose="receipt")
    return DecisionRead.model_validate(
        service.confirm_receipt(db, found, actor=principal.actor, now=utc_now())
    )


@router.get("/points", response_model=PointsRead, summary="My licence points: balance and history per class")
def my_points(db: DB, principal: Citizen) -> PointsRead:
    today = vn_today()
    found = standings(db, principal.cccd, today)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="citizen",
        object_id=principal.cccd,
        purpose="citizen app: my licence points",
    )
    return PointsRead(on=today, licences=[StandingRead.model_validate(s) for s in found])
