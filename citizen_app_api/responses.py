"""The citizen's answers to a notice: acknowledge it (signed), name the driver, dispute it; and the
named driver's answer. Every route that takes a notice id goes through notice_for_citizen (404 for a
notice the caller may not see)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from sqlalchemy.orm import Session

from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.config import Settings, get_settings
from core.db import get_write_session
from core.time import utc_now
from penalties.notices.access import notice_for_citizen
from penalties.notices.models import Notice
from penalties.responses import disputes, nominations, signing
from penalties.responses.attachments import clean
from penalties.responses.exceptions import AcknowledgementNotFound, AttachmentRejected
from penalties.responses.schemas import (
    AcknowledgementRead,
    AcknowledgementVerified,
    DisputeRead,
    NominationCreate,
    NominationForDriver,
    NominationRead,
    NoticeAnswerState,
)
from penalties.responses.service import acknowledge, closed_for_owner, verify_acknowledgement

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]
Citizen = Annotated[Principal, Depends(citizen_only())]
TEXT_MAX = 5000


def upload_limits(settings: Settings) -> dict[str, int]:
    """Request bodies larger than the default these routes take (core.http_guards.RequestGuard): a
    dispute with every attachment at its limit, plus its text and the form's framing. The guard
    matches path prefixes, so the notice routes share it; the dispute route checks each file itself."""
    largest = settings.dispute_max_attachments * settings.dispute_attachment_max_bytes + 256 * 1024
    return {"/api/citizen/v1/notices/": largest}


def answer_state(notice: Notice) -> NoticeAnswerState:
    return NoticeAnswerState(
        id=notice.id,
        number=notice.number,
        status=notice.status,
        amount_vnd=notice.amount_vnd,
        due_date=notice.due_date,
        closed_for_owner=closed_for_owner(notice),
        driver_accepted=notice.driver_cccd is not None,
    )


@router.post(
    "/notices/{notice_id}/acknowledge",
    response_model=AcknowledgementRead,
    status_code=201,
    summary="Acknowledge the violation (signed; VNeID level 2)",
)
def acknowledge_notice(notice_id: uuid.UUID, db: DB, principal: Citizen) -> AcknowledgementRead:
    notice = notice_for_citizen(db, notice_id, principal.cccd, purpose="acknowledge")
    return AcknowledgementRead.model_validate(acknowledge(db, notice, principal, now=utc_now()))


@router.get(
    "/notices/{notice_id}/acknowledgement",
    response_model=AcknowledgementVerified,
    summary="My signed acknowledgement, verified now",
)
def acknowledgement(notice_id: uuid.UUID, db: DB, principal: Citizen) -> AcknowledgementVerified:
    notice = notice_for_citizen(db, notice_id, principal.cccd, purpose="acknowledgement")
    check = verify_acknowledgement(db, notice.id)
    if check.acknowledgement.cccd != principal.cccd:  # the driver's signature (and VNeID session) is theirs
        raise AcknowledgementNotFound(f"no acknowledgement of yours for notice {notice_id}")
    return AcknowledgementVerified(
        acknowledgement=AcknowledgementRead.model_validate(check.acknowledgement),
        valid=check.valid,
        problems=check.problems,
        public_key=signing.public_jwk(),
    )


@router.post(
    "/notices/{notice_id}/nominate",
    response_model=NominationRead,
    status_code=201,
    summary="Name the driver (owner ≠ driver, ND 168/2024 Art. 47)",
)
def nominate(notice_id: uuid.UUID, body: NominationCreate, db: DB, principal: Citizen) -> NominationRead:
    notice = notice_for_citizen(db, notice_id, principal.cccd, purpose="name the driver")
    made = nominations.nominate(db, notice, owner_cccd=principal.cccd, driver_cccd=body.cccd, now=utc_now())
    return NominationRead.model_validate(made)


@router.get("/nominations", response_model=list[NominationForDriver], summary="Nominations naming me")
def my_nominations(db: DB, principal: Citizen) -> list[NominationForDriver]:
    out = []
    for n in nominations.pending_for(db, principal.cccd):
        notice = n.notice
        owner = (notice.owner_snapshot or {}).get("owner") or {}
        out.append(
            NominationForDriver(
                id=n.id,
                notice_id=n.notice_id,
                status=n.status,
                answer_by=n.answer_by,
                answered_at=n.answered_at,
                notice_number=notice.number,
                violation_code=notice.violation_code,
                legal_basis=notice.legal_basis,
                amount_vnd=notice.amount_vnd,
                points=notice.points,
                detected_at=notice.candidate.detected_at,
                plate=(notice.owner_snapshot or {}).get("plate_display") or notice.candidate.plate,
                owner_name=str(owner.get("organisation") or owner.get("full_name") or ""),
            )
        )
    return out


def _answer(nomination_id: uuid.UUID, db: Session, principal: Principal, accept: bool) -> NoticeAnswerState:
    made = nominations.answer(db, nomination_id, cccd=principal.cccd, accept=accept, now=utc_now())
    return answer_state(made.notice)


@router.post(
    "/nominations/{nomination_id}/accept", response_model=NoticeAnswerState, summary="I was the driver"
)
def accept(nomination_id: uuid.UUID, db: DB, principal: Citizen) -> NoticeAnswerState:
    return _answer(nomination_id, db, principal, True)


@router.post(
    "/nominations/{nomination_id}/refuse", response_model=NoticeAnswerState, summary="I was not the driver"
)
def refuse(nomination_id: uuid.UUID, db: DB, principal: Citizen) -> NoticeAnswerState:
    return _answer(nomination_id, db, principal, False)


@router.post(
    "/notices/{notice_id}/disputes",
    response_model=DisputeRead,
    status_code=201,
    summary="Explain or dispute the notice (text + JPEG/PNG/WebP images)",
)
def open_dispute(
    notice_id: uuid.UUID,
    db: DB,
    principal: Citizen,
    text: Annotated[str, Form(min_length=10, max_length=TEXT_MAX)],
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> DisputeRead:
    notice = notice_for_citizen(db, notice_id, principal.cccd, purpose="dispute")
    settings = get_settings()
    files = files or []
    if len(files) > settings.dispute_max_attachments:
        raise AttachmentRejected(f"at most {settings.dispute_max_attachments} files")
    limit = settings.dispute_attachment_max_bytes
    cleaned = [clean(f.filename or "", f.file.read(limit + 1), max_bytes=limit) for f in files]
    made = disputes.open_dispute(
        db, notice, cccd=principal.cccd, text=text.strip(), files=cleaned, now=utc_now()
    )
    return DisputeRead.model_validate(made)


@router.get(
    "/notices/{notice_id}/disputes", response_model=list[DisputeRead], summary="My disputes of a notice"
)
def my_disputes(notice_id: uuid.UUID, db: DB, principal: Citizen) -> list[DisputeRead]:
    notice = notice_for_citizen(db, notice_id, principal.cccd, purpose="my disputes")
    return [DisputeRead.model_validate(d) for d in disputes.disputes_of(db, notice, principal.cccd)]
