"""The citizen's sanction decisions (as the person sanctioned) and licence points; another citizen's
decision is "not found". Every read is audited."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citizen_app_api.schemas import DecisionViolation, MyDecisionRead
from citizen_app_api.views import violation_words
from core import audit
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.db import get_write_session
from core.time import format_local, utc_now, vn_today
from penalties.decisions import service
from penalties.decisions.ledger import standings
from penalties.decisions.models import Decision
from penalties.decisions.routes import document_response
from penalties.decisions.schemas import DecisionRead, PointsRead, StandingRead

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited
Citizen = Annotated[Principal, Depends(citizen_only())]


def mine(decision: Decision) -> MyDecisionRead:
    """The decision with the violations it sanctions named as the law of their dates names them."""
    violations = [
        DecisionViolation(
            notice_id=n.id,
            notice_number=n.number,
            violation_code=n.violation_code,
            violation=violation_words(n),
            detected_at_local=format_local(n.candidate.detected_at),
            amount_vnd=n.amount_vnd,
            points=n.points,
        )
        for n in (item.notice for item in decision.items)
    ]
    read = DecisionRead.model_validate(decision)
    return MyDecisionRead(**dict(read), violations=violations)


@router.get("/decisions", response_model=list[MyDecisionRead], summary="My sanction decisions, newest first")
def my_decisions(db: DB, principal: Citizen) -> list[MyDecisionRead]:
    rows = service.decisions_of(db, principal.cccd)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="citizen",
        object_id=principal.cccd,
        purpose="citizen app: my decisions",
        decisions=len(rows),
    )
    return [mine(d) for d in rows]


@router.get("/decisions/{decision_id}", response_model=MyDecisionRead, summary="One of my decisions")
def my_decision(decision_id: uuid.UUID, db: DB, principal: Citizen) -> MyDecisionRead:
    found = service.decision_for_citizen(db, decision_id, principal.cccd, purpose="decision")
    return mine(found)


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
    response_model=MyDecisionRead,
    summary="Confirm I received the decision (starts the 10 days to pay)",
)
def confirm_receipt(decision_id: uuid.UUID, db: DB, principal: Citizen) -> MyDecisionRead:
    found = service.decision_for_citizen(db, decision_id, principal.cccd, purpose="receipt")
    return mine(service.confirm_receipt(db, found, actor=principal.actor, now=utc_now()))


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
