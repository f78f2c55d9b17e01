from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.models import Role
from penalties.notices.schemas import NoticeRead
from penalties.review import service as review
from penalties.review.riders import drop_rider
from penalties.review.schemas import (
    ConfirmOutcome,
    ConfirmRequest,
    DropRider,
    EscalateRequest,
    PlateCorrection,
    RejectRequest,
    ReviewCandidateRead,
    UnnamedOffenceRead,
)

router = APIRouter(prefix="/api", tags=["penalties"])
DB = Annotated[Session, Depends(get_session, scope="function")]
Reviewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]


def _supervisor(principal: Principal) -> bool:
    return Role.supervisor.value in principal.roles


def _read(candidate: object) -> ReviewCandidateRead:
    return ReviewCandidateRead.model_validate(candidate)


@router.post(
    "/candidates/{candidate_id}/claim", response_model=ReviewCandidateRead, summary="Take for review"
)
def claim(candidate_id: uuid.UUID, db: DB, principal: Reviewers) -> ReviewCandidateRead:
    return _read(review.claim(db, candidate_id, actor=principal.actor, supervisor=_supervisor(principal)))


@router.post("/candidates/{candidate_id}/release", response_model=ReviewCandidateRead, summary="Give back")
def release(candidate_id: uuid.UUID, db: DB, principal: Reviewers) -> ReviewCandidateRead:
    return _read(review.release(db, candidate_id, actor=principal.actor))


@router.post(
    "/candidates/{candidate_id}/plate", response_model=ReviewCandidateRead, summary="Correct the plate read"
)
def correct_plate(
    candidate_id: uuid.UUID, body: PlateCorrection, db: DB, principal: Reviewers
) -> ReviewCandidateRead:
    return _read(review.correct_plate(db, candidate_id, body.plate, actor=principal.actor))


@router.post("/candidates/{candidate_id}/reject", response_model=ReviewCandidateRead, summary="Reject")
def reject(candidate_id: uuid.UUID, body: RejectRequest, db: DB, principal: Reviewers) -> ReviewCandidateRead:
    return _read(
        review.reject(
            db,
            candidate_id,
            body.reason,
            actor=principal.actor,
            note=body.note,
            supervisor=_supervisor(principal),
        )
    )


@router.post(
    "/candidates/{candidate_id}/drop-rider",
    response_model=ReviewCandidateRead,
    summary="Drop one rider from a helmet or overload finding",
    description="Audited, with a reason. A no-helmet finding whose rider is dropped falls and the candidate "
    "is rejected; an overload is counted again (3+ passengers, then 2, then rejected).",
)
def drop(candidate_id: uuid.UUID, body: DropRider, db: DB, principal: Reviewers) -> ReviewCandidateRead:
    return _read(
        drop_rider(
            db,
            candidate_id,
            body.rider,
            body.reason,
            actor=principal.actor,
            supervisor=_supervisor(principal),
        )
    )


@router.post(
    "/candidates/{candidate_id}/escalate",
    response_model=ReviewCandidateRead,
    summary="Escalate to a supervisor",
)
def escalate(
    candidate_id: uuid.UUID, body: EscalateRequest, db: DB, principal: Reviewers
) -> ReviewCandidateRead:
    return _read(
        review.escalate(
            db, candidate_id, actor=principal.actor, note=body.note, supervisor=_supervisor(principal)
        )
    )


@router.post(
    "/candidates/{candidate_id}/confirm",
    response_model=ConfirmOutcome,
    status_code=201,
    summary="Confirm: look up the owner, assess the fine, issue the notice (202: queued for the registry)",
)
def confirm(
    candidate_id: uuid.UUID, body: ConfirmRequest, db: DB, principal: Reviewers, response: Response
) -> ConfirmOutcome:
    decision = review.Decision(
        body.amount_vnd, tuple(body.aggravating), tuple(body.mitigating), body.note, body.acknowledge_flags
    )
    outcome = review.confirm(
        db, candidate_id, decision, actor=principal.actor, supervisor=_supervisor(principal)
    )
    queued = outcome.notice is None and outcome.unnamed is None
    if queued:
        response.status_code = 202
    return ConfirmOutcome(
        candidate=_read(outcome.candidate),
        notice=None if outcome.notice is None else NoticeRead.model_validate(outcome.notice),
        queued=queued,
        unnamed=None if outcome.unnamed is None else UnnamedOffenceRead.model_validate(outcome.unnamed),
    )
