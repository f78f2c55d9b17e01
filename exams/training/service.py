"""Enrolment and training sessions. Services only flush; the request owns the transaction. Every
check-in and check-out attempt (matched or not) and every read of a learner's data is audited.
The times are given (``now``): the rules (rules.py) never read a clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.time import format_local
from exams.checkin import Outcome
from exams.models import Verdict
from exams.training import rules
from exams.training.exceptions import (
    AlreadyEnrolled,
    CheckoutBeforeCheckin,
    DailyLimitReached,
    EnrolmentNotFound,
    NoOpenSession,
    SessionAlreadyOpen,
    TooSoonAfterCheckout,
)
from exams.training.models import Enrolment, SessionStatus, TrainingSession
from exams.training.schemas import EnrolmentCreate
from penalties.decisions.ledger import Standing, standings


def enrol(session: Session, body: EnrolmentCreate, *, actor: str) -> Enrolment:
    """A learner on a course at a centre, once per (centre, course, CCCD)."""
    taken = select(Enrolment.id).where(
        Enrolment.centre == body.centre, Enrolment.course == body.course, Enrolment.cccd == body.cccd
    )
    if session.scalar(taken) is not None:
        raise AlreadyEnrolled(
            "training.already_enrolled",
            "Học viên đã ghi danh khóa học này tại trung tâm.",
            "The learner is already enrolled on this course at this centre.",
        )
    enrolment = Enrolment(**body.model_dump(), enrolled_by=actor)
    try:
        with session.begin_nested():
            session.add(enrolment)
            session.flush()
    except IntegrityError as exc:  # another desk enrolled the same learner at the same moment
        raise AlreadyEnrolled(
            "training.already_enrolled",
            "Học viên đã ghi danh khóa học này tại trung tâm.",
            "The learner is already enrolled on this course at this centre.",
        ) from exc
    audit.record(
        session,
        actor=actor,
        action="training.enrolled",
        object_type="training_enrolment",
        object_id=enrolment.id,
        detail={"owner_cccd": enrolment.cccd, "centre": enrolment.centre, "course": enrolment.course},
    )
    return enrolment


def get_enrolment(session: Session, enrolment_id: uuid.UUID) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise EnrolmentNotFound(f"no enrolment {enrolment_id}")
    return enrolment


def read_enrolment(
    session: Session, enrolment: Enrolment, *, actor: str, purpose: str, on: date
) -> list[Standing]:
    """The learner's licence-point balances on ``on``; the read of their data is audited."""
    _audit_read(session, enrolment, actor=actor, purpose=purpose)
    return standings(session, enrolment.cccd, on)


def open_session(session: Session, cccd: str) -> TrainingSession | None:
    return session.scalar(
        select(TrainingSession).where(
            TrainingSession.cccd == cccd, TrainingSession.status == SessionStatus.open
        )
    )


def counted_on(session: Session, cccd: str, day: date) -> timedelta:
    total = session.scalar(
        select(func.coalesce(func.sum(TrainingSession.counted_seconds), 0)).where(
            TrainingSession.cccd == cccd, TrainingSession.vn_day == day
        )
    )
    return timedelta(seconds=int(total or 0))


def _when(at: datetime) -> dict[str, str]:
    return {"utc": at.isoformat(), "vn": format_local(at, "%d/%m/%Y %H:%M:%S")}


def ensure_can_check_in(session: Session, cccd: str, now: datetime) -> None:
    """Raise the first rule a check-in of the learner at ``now`` breaks."""
    current = open_session(session, cccd)
    if current is not None:
        raise SessionAlreadyOpen(
            "training.session_open",
            "Học viên đang có một phiên học chưa kết thúc: hãy kết thúc phiên đó trước.",
            "The learner has an open session: check it out first.",
            session_id=str(current.id),
            enrolment_id=str(current.enrolment_id),
        )
    last_out = session.scalar(
        select(func.max(TrainingSession.checked_out_at)).where(TrainingSession.cccd == cccd)
    )
    if last_out is not None:
        allowed = rules.next_checkin_allowed(last_out)
        if now < allowed:
            clock = format_local(allowed, "%H:%M:%S")
            raise TooSoonAfterCheckout(
                "training.too_soon",
                f"Phiên mới phải cách lần kết thúc trước ít nhất 15 phút (từ {clock}).",
                f"A new session starts at least 15 minutes after the previous check-out (from {clock}, "
                "Vietnam time).",
                allowed_from=_when(allowed),
            )
    day = rules.vn_day(now)
    if counted_on(session, cccd, day) >= rules.MAX_PER_DAY:
        raise DailyLimitReached(
            "training.day_limit",
            f"Đã đủ 10 giờ học được tính trong ngày {day:%d/%m/%Y}.",
            f"The 10 counted hours of {day:%d/%m/%Y} (Vietnam day) are used up.",
            vn_day=day.isoformat(),
        )


def _attempt_detail(enrolment: Enrolment, outcome: Outcome) -> dict[str, object]:
    return {
        "owner_cccd": enrolment.cccd,
        "enrolment_id": str(enrolment.id),
        "verdict": str(outcome.verdict),
        "reason_code": outcome.reason_code,
        "face_distance": outcome.face_distance,
        "face_threshold": outcome.face_threshold,
    }


def verified(outcome: Outcome) -> bool:
    """Training needs the person: chip authentic + face matched (+ liveness, per policy)."""
    return outcome.verdict is Verdict.admitted


def record_rule_refusal(
    session: Session, enrolment_id: uuid.UUID, step: str, info: dict[str, Any], *, actor: str, now: datetime
) -> None:
    """A check-in or check-out the rules refused (too soon, day limit, a session open or none open)."""
    audit.record(
        session,
        actor=actor,
        action=f"training.{step}_rule_refused",
        object_type="training_enrolment",
        object_id=enrolment_id,
        detail={"code": info.get("code"), "at": now.isoformat()},
    )


def check_in(
    session: Session, enrolment: Enrolment, outcome: Outcome, *, actor: str, now: datetime
) -> TrainingSession | None:
    """Open a session if the face was verified and the rules allow it; None when the face was not (the
    attempt is audited, nothing else is written: the caller answers FaceNotVerified)."""
    ensure_can_check_in(session, enrolment.cccd, now)
    detail = {**_attempt_detail(enrolment, outcome), "at": now.isoformat()}
    if not verified(outcome):
        audit.record(
            session,
            actor=actor,
            action="training.checkin_refused",
            object_type="training_enrolment",
            object_id=enrolment.id,
            detail=detail,
        )
        return None
    opened = TrainingSession(
        enrolment_id=enrolment.id,
        cccd=enrolment.cccd,
        status=SessionStatus.open,
        checked_in_at=now,
        checked_in_by=actor,
        vn_day=rules.vn_day(now),
        in_face_distance=outcome.face_distance,
        in_face_threshold=outcome.face_threshold,
        refused_checkouts=0,
        counted_seconds=0,
    )
    try:
        with session.begin_nested():
            session.add(opened)
            session.flush()
    except IntegrityError:  # another desk opened one in the meantime
        ensure_can_check_in(session, enrolment.cccd, now)
        raise
    audit.record(
        session,
        actor=actor,
        action="training.checked_in",
        object_type="training_session",
        object_id=opened.id,
        detail=detail,
    )
    return opened


def open_session_of(session: Session, enrolment: Enrolment, now: datetime) -> TrainingSession:
    current = open_session(session, enrolment.cccd)
    if current is None or current.enrolment_id != enrolment.id:
        raise NoOpenSession(
            "training.no_open_session",
            "Học viên không có phiên học đang mở ở khóa này.",
            "The learner has no open session on this enrolment.",
        )
    if now < current.checked_in_at:
        raise CheckoutBeforeCheckin(
            "training.checkout_before_checkin",
            "Thời điểm kết thúc trước thời điểm bắt đầu phiên.",
            "The check-out time is before the session's check-in.",
            checked_in_at=_when(current.checked_in_at),
        )
    return current


def check_out(
    session: Session, enrolment: Enrolment, outcome: Outcome, *, actor: str, now: datetime
) -> TrainingSession:
    """Close the learner's open session if the face matches, counted by the rules. A face that does not
    match leaves the session open and flagged (the learner, or staff, check out again with the right
    face); the caller answers FaceNotVerified for it."""
    current = open_session_of(session, enrolment, now)
    detail = {**_attempt_detail(enrolment, outcome), "at": now.isoformat()}
    current.out_face_distance = outcome.face_distance
    current.out_reason_code = outcome.reason_code
    if not verified(outcome):
        current.refused_checkouts += 1
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="training.checkout_refused",
            object_type="training_session",
            object_id=current.id,
            detail=detail,
        )
        return current
    count = rules.count_session(
        now - current.checked_in_at, counted_on(session, current.cccd, current.vn_day)
    )
    current.status = SessionStatus.closed
    current.checked_out_at = now
    current.checked_out_by = actor
    current.counted_seconds = count.seconds
    current.count_rule = count.rule
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="training.checked_out",
        object_type="training_session",
        object_id=current.id,
        detail={**detail, "counted_seconds": count.seconds, "count_rule": str(count.rule)},
    )
    return current


@dataclass(frozen=True)
class Totals:
    enrolment_id: uuid.UUID
    sessions: int
    counted_sessions: int
    counted_seconds: int
    open_session_id: uuid.UUID | None
    flagged_sessions: int


def _rows(session: Session, enrolment: Enrolment) -> list[TrainingSession]:
    return list(
        session.scalars(
            select(TrainingSession)
            .where(TrainingSession.enrolment_id == enrolment.id)
            .order_by(TrainingSession.checked_in_at)
        )
    )


def _audit_read(session: Session, enrolment: Enrolment, *, actor: str, purpose: str) -> None:
    audit.record_read(
        session,
        actor=actor,
        object_type="training_enrolment",
        object_id=enrolment.id,
        purpose=purpose,
        owner_cccd=enrolment.cccd,
    )


def sessions_of(session: Session, enrolment: Enrolment, *, actor: str, purpose: str) -> list[TrainingSession]:
    """The learner's sessions on this enrolment, oldest first; the read is audited."""
    rows = _rows(session, enrolment)
    _audit_read(session, enrolment, actor=actor, purpose=purpose)
    return rows


def totals(session: Session, enrolment: Enrolment, *, actor: str, purpose: str) -> Totals:
    """The learner's sessions and counted time on this enrolment; the read is audited."""
    rows = sessions_of(session, enrolment, actor=actor, purpose=purpose)
    closed = [s for s in rows if s.status is SessionStatus.closed]
    still_open = next((s.id for s in rows if s.status is SessionStatus.open), None)
    return Totals(
        enrolment_id=enrolment.id,
        sessions=len(closed),
        counted_sessions=sum(1 for s in closed if s.counted_seconds > 0),
        counted_seconds=sum(s.counted_seconds for s in closed),
        open_session_id=still_open,
        flagged_sessions=sum(1 for s in rows if s.flagged),
    )
