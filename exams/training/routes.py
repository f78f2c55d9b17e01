"""The driving-school centre's API (OpenAPI): enrol a learner by CCCD (with their licence-point
balance), check a training session in and out with a face re-verification against the chip photo,
and read a learner's sessions and counted hours. Every route: exam officers (centre staff) and admins.

A check-in or check-out runs the identity engine outside any transaction, like an exam check-in
(exams/routes.py): the rules are checked before (a 409 before the engine runs) and again when writing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.config import Settings
from core.db import get_write_session, session_scope
from core.models import Role
from core.time import utc_now, vn_today
from exams import checkin
from exams.routes import face_backend, face_policy, trust_store
from exams.schemas import BODY_MAX_BYTES, CheckinCreate
from exams.training import service
from exams.training.exceptions import FaceNotVerified, TrainingError
from exams.training.models import Enrolment, TrainingSession
from exams.training.schemas import (
    EnrolmentCreate,
    EnrolmentRead,
    EnrolmentWithPoints,
    FaceCheck,
    PointsBalanceRead,
    SessionRead,
    TotalsRead,
)
from identity.chip.trust import TrustStore
from identity.face.backend import FaceBackend
from identity.face.policy import FacePolicy

router = APIRouter(prefix="/api/training", tags=["training"])
CentreStaff = Annotated[Principal, Depends(require(Role.exam_officer, Role.admin))]
DB = Annotated[Session, Depends(get_write_session, scope="function")]
Backend = Annotated[FaceBackend, Depends(face_backend)]
Policy = Annotated[FacePolicy, Depends(face_policy)]
Trust = Annotated[TrustStore, Depends(trust_store)]


@contextmanager
def _rule_refusals_audited(enrolment_id: uuid.UUID, step: str, actor: str, now: datetime) -> Iterator[None]:
    """Every attempt is audited, a refusal by the rules too: the request's own transaction rolls back
    with the error, so the refusal is recorded in one of its own."""
    try:
        yield
    except TrainingError as exc:
        with session_scope() as db:
            service.record_rule_refusal(db, enrolment_id, step, exc.info, actor=actor, now=now)
        raise


def clock() -> datetime:
    """The time a check-in or check-out happens at (tests override this dependency)."""
    return utc_now()


Now = Annotated[datetime, Depends(clock)]


def upload_limits(settings: Settings) -> dict[str, int]:
    """A check-in or check-out carries the chip's files and several frames (core.http_guards)."""
    return {"/api/training/": BODY_MAX_BYTES}


def _with_points(
    db: Session, enrolment: Enrolment, principal: Principal, purpose: str
) -> EnrolmentWithPoints:
    today = vn_today()
    found = service.read_enrolment(db, enrolment, actor=principal.actor, purpose=purpose, on=today)
    base = EnrolmentRead.model_validate(enrolment).model_dump()
    points = [PointsBalanceRead.model_validate(s) for s in found]
    return EnrolmentWithPoints(**base, points_on=today, points=points)


def _session_read(found: TrainingSession) -> SessionRead:
    return SessionRead.model_validate(found)


def _card(body: FaceCheck, enrolment_cccd: str) -> checkin.CardInput:
    """The card must be the enrolled learner's: the engine compares it with this CCCD."""
    return checkin.decode(CheckinCreate(cccd=enrolment_cccd, **body.model_dump()))


def _refusal(outcome: checkin.Outcome, **context: object) -> FaceNotVerified:
    return FaceNotVerified(
        outcome.reason_code,
        outcome.vi,
        outcome.en,
        face_distance=outcome.face_distance,
        face_threshold=outcome.face_threshold,
        **context,
    )


@router.post(
    "/enrolments",
    response_model=EnrolmentWithPoints,
    status_code=201,
    summary="Enrol a learner by CCCD on a course at a centre (once per centre and course)",
    description="The answer shows the learner's licence-point balance per class (an audited read).",
)
def enrol(body: EnrolmentCreate, db: DB, principal: CentreStaff) -> EnrolmentWithPoints:
    enrolment = service.enrol(db, body, actor=principal.actor)
    return _with_points(db, enrolment, principal, "training enrolment")


@router.get(
    "/enrolments/{enrolment_id}",
    response_model=EnrolmentWithPoints,
    summary="A learner's enrolment with their licence-point balance",
)
def read_enrolment(enrolment_id: uuid.UUID, db: DB, principal: CentreStaff) -> EnrolmentWithPoints:
    enrolment = service.get_enrolment(db, enrolment_id)
    return _with_points(db, enrolment, principal, "training enrolment")


@router.post(
    "/enrolments/{enrolment_id}/checkin",
    response_model=SessionRead,
    status_code=201,
    summary="Start a training session: the chip and live frames re-verify the learner's face",
    description=(
        "Rules (409, detail {code, vi, en}): one open session per learner (training.session_open), "
        "15 minutes after the previous check-out (training.too_soon), 10 counted hours per Vietnam day "
        "(training.day_limit). A face not verified against the chip photo: 409 FaceNotVerified with the "
        "engine's code and the measured distance; the attempt is audited, no session opens. Unusable "
        "input: 422, nothing recorded."
    ),
)
def check_in(
    enrolment_id: uuid.UUID,
    body: FaceCheck,
    principal: CentreStaff,
    backend: Backend,
    policy: Policy,
    trust: Trust,
    now: Now,
) -> SessionRead:
    with session_scope(writes=False) as db:
        cccd = service.get_enrolment(db, enrolment_id).cccd
    with _rule_refusals_audited(enrolment_id, "checkin", principal.actor, now):
        with session_scope(writes=False) as db:
            service.ensure_can_check_in(db, cccd, now)  # before the engine runs
        outcome = checkin.evaluate(_card(body, cccd), backend, policy, trust)  # no transaction held
        with session_scope() as db:
            enrolment = service.get_enrolment(db, enrolment_id)
            opened = service.check_in(db, enrolment, outcome, actor=principal.actor, now=now)
            answer = None if opened is None else _session_read(opened)
    if answer is None:
        raise _refusal(outcome)
    return answer


@router.post(
    "/enrolments/{enrolment_id}/checkout",
    response_model=SessionRead,
    summary="End the open training session: the face is re-verified, the session counted by the rules",
    description=(
        "Counted: 5 minutes to 4 hours (shorter: recorded, not counted; longer: 4 hours count), within "
        "10 counted hours on the Vietnam day of the check-in. A face not verified: 409 FaceNotVerified, "
        "the attempt audited and the session left open and flagged (refused_checkouts) until a check-out "
        "with the learner's face closes it. No open session: 409 training.no_open_session."
    ),
)
def check_out(
    enrolment_id: uuid.UUID,
    body: FaceCheck,
    principal: CentreStaff,
    backend: Backend,
    policy: Policy,
    trust: Trust,
    now: Now,
) -> SessionRead:
    with _rule_refusals_audited(enrolment_id, "checkout", principal.actor, now):
        with session_scope(writes=False) as db:
            enrolment = service.get_enrolment(db, enrolment_id)
            cccd = enrolment.cccd
            service.open_session_of(db, enrolment, now)  # before the engine runs
        outcome = checkin.evaluate(_card(body, cccd), backend, policy, trust)
        with session_scope() as db:
            enrolment = service.get_enrolment(db, enrolment_id)
            session = service.check_out(db, enrolment, outcome, actor=principal.actor, now=now)
            found = _session_read(session)
    if found.checked_out_at is None:
        raise _refusal(outcome, session_id=str(found.id), refused_checkouts=found.refused_checkouts)
    return found


@router.get(
    "/enrolments/{enrolment_id}/sessions",
    response_model=list[SessionRead],
    summary="A learner's training sessions on an enrolment, oldest first",
)
def list_sessions(enrolment_id: uuid.UUID, db: DB, principal: CentreStaff) -> list[SessionRead]:
    enrolment = service.get_enrolment(db, enrolment_id)
    found = service.sessions_of(db, enrolment, actor=principal.actor, purpose="training sessions")
    return [_session_read(s) for s in found]


@router.get(
    "/enrolments/{enrolment_id}/totals",
    response_model=TotalsRead,
    summary="A learner's totals: sessions, counted sessions and counted hours",
)
def read_totals(enrolment_id: uuid.UUID, db: DB, principal: CentreStaff) -> TotalsRead:
    enrolment = service.get_enrolment(db, enrolment_id)
    t = service.totals(db, enrolment, actor=principal.actor, purpose="training totals")
    return TotalsRead(
        enrolment_id=t.enrolment_id,
        sessions=t.sessions,
        counted_sessions=t.counted_sessions,
        counted_seconds=t.counted_seconds,
        counted_hours=round(t.counted_seconds / 3600, 2),
        open_session_id=t.open_session_id,
        flagged_sessions=t.flagged_sessions,
    )
