"""Exams, candidate registrations and check-in attempts. Services only flush; the request owns the
transaction. Every attempt and every officer decision is audited."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.time import utc_now
from exams.checkin import Outcome
from exams.exceptions import (
    AlreadyDecided,
    AlreadyRegistered,
    CheckinNotFound,
    EngineRefused,
    ExamCodeTaken,
    ExamNotFound,
    NotPending,
    NotRegistered,
)
from exams.models import CheckinAttempt, Exam, OfficerDecision, Registration, Verdict
from exams.schemas import ExamCreate


def create_exam(session: Session, body: ExamCreate, *, actor: str) -> Exam:
    if session.scalar(select(Exam.id).where(Exam.code == body.code)) is not None:
        raise ExamCodeTaken(f"exam {body.code} exists")
    exam = Exam(
        code=body.code, kind=body.kind, centre=body.centre, starts_at=body.starts_at, created_by=actor
    )
    session.add(exam)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exam.created",
        object_type="exam",
        object_id=exam.id,
        detail={"code": exam.code, "kind": str(exam.kind)},
    )
    return exam


def get_exam(session: Session, exam_id: uuid.UUID) -> Exam:
    exam = session.get(Exam, exam_id)
    if exam is None:
        raise ExamNotFound(f"no exam {exam_id}")
    return exam


def register(session: Session, exam: Exam, cccd: str, full_name: str, *, actor: str) -> Registration:
    taken = select(Registration.id).where(Registration.exam_id == exam.id, Registration.cccd == cccd)
    if session.scalar(taken) is not None:
        raise AlreadyRegistered(f"{cccd} is registered for {exam.code}")
    reg = Registration(exam_id=exam.id, cccd=cccd, full_name=full_name, registered_by=actor)
    session.add(reg)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exam.candidate_registered",
        object_type="exam_registration",
        object_id=reg.id,
        detail={"exam": exam.code, "owner_cccd": cccd},
    )
    return reg


def registration(session: Session, exam: Exam, cccd: str) -> Registration:
    reg = session.scalar(
        select(Registration).where(Registration.exam_id == exam.id, Registration.cccd == cccd)
    )
    if reg is None:
        raise NotRegistered(f"{cccd} is not registered for {exam.code}")
    return reg


def record_attempt(session: Session, reg: Registration, outcome: Outcome, *, actor: str) -> CheckinAttempt:
    """The attempt as decided: the measured distance and outcome only, never the images."""
    attempt = CheckinAttempt(
        registration_id=reg.id,
        sources=outcome.sources,
        card_cccd=outcome.card_cccd,
        trust_level=str(outcome.trust),
        findings=outcome.findings,
        face_distance=outcome.face_distance,
        face_threshold=outcome.face_threshold,
        face_matched=outcome.face_matched,
        liveness=outcome.liveness,
        verdict=outcome.verdict,
        reason_code=outcome.reason_code,
        reason=outcome.reason[:500],
        submitted_by=actor,
    )
    session.add(attempt)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exam.checkin",
        object_type="exam_checkin",
        object_id=attempt.id,
        detail={
            "exam_id": str(reg.exam_id),
            "owner_cccd": reg.cccd,
            "verdict": str(outcome.verdict),
            "reason_code": outcome.reason_code,
            "trust": str(outcome.trust),
            "sources": outcome.sources,
            "face_distance": outcome.face_distance,
        },
    )
    return attempt


def attempt_of(
    session: Session, exam: Exam, checkin_id: uuid.UUID, *, actor: str, purpose: str
) -> CheckinAttempt:
    """The attempt, its read audited (it is a person's identity check)."""
    attempt = session.get(CheckinAttempt, checkin_id)
    if attempt is None or attempt.registration.exam_id != exam.id:
        raise CheckinNotFound(f"no check-in {checkin_id} for exam {exam.code}")
    audit.record_read(
        session,
        actor=actor,
        object_type="exam_checkin",
        object_id=attempt.id,
        purpose=purpose,
        owner_cccd=attempt.registration.cccd,
    )
    return attempt


def decide(
    session: Session, attempt: CheckinAttempt, verdict: Verdict, reason: str, *, actor: str
) -> CheckinAttempt:
    """An exam officer admits or refuses an attempt that waits for one, with a reason."""
    if attempt.verdict is not Verdict.pending_officer:
        raise NotPending(f"the attempt is {attempt.verdict}")
    if verdict is Verdict.pending_officer:
        raise ValueError("an officer decides admitted or refused")
    previous = attempt.reason_code
    attempt.verdict = verdict
    attempt.reason_code = f"officer.{verdict}"
    attempt.reason = reason
    _decided(session, attempt, OfficerDecision(verdict), reason, actor=actor, was=previous)
    return attempt


def desk_decide(
    session: Session, attempt: CheckinAttempt, decision: OfficerDecision, reason: str, *, actor: str
) -> CheckinAttempt:
    """The desk officer's decision, which is what lets a candidate in. The rules:

    - one decision per attempt (AlreadyDecided);
    - an attempt the engine refused (chip not authentic, another person, face mismatch…) can only be
      refused: admitting needs a new attempt (EngineRefused);
    - an attempt the engine admitted, or one waiting for an officer, can be admitted or refused;
      deciding a waiting one also settles its verdict (as the API's decision does);
    - a reason is always given and audited with the decision.
    """
    if attempt.officer_decision is not None:
        raise AlreadyDecided(f"the attempt was already {attempt.officer_decision} by {attempt.decided_by}")
    if attempt.verdict is Verdict.pending_officer:
        return decide(session, attempt, Verdict(decision.value), reason, actor=actor)
    if attempt.verdict is Verdict.refused and decision is OfficerDecision.admitted:
        raise EngineRefused(f"the check refused the candidate ({attempt.reason_code}): check in again")
    _decided(session, attempt, decision, reason, actor=actor, was=attempt.reason_code)
    return attempt


def _decided(
    session: Session,
    attempt: CheckinAttempt,
    decision: OfficerDecision,
    reason: str,
    *,
    actor: str,
    was: str,
) -> None:
    attempt.officer_decision = decision
    attempt.officer_reason = reason
    attempt.decided_by = actor
    attempt.decided_at = utc_now()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exam.checkin_decided",
        object_type="exam_checkin",
        object_id=attempt.id,
        detail={
            "owner_cccd": attempt.registration.cccd,
            "verdict": str(attempt.verdict),
            "officer_decision": str(decision),
            "reason": reason,
            "was": was,
        },
    )
