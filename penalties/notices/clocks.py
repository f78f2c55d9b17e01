"""The legal clocks of camera enforcement, run as periodic jobs (see penalties/notices/tasks.py):

- a notice within 10 days of detection (TT 73/2024 Art. 24(1)): supervisors are warned 2 days before
  the deadline, and again once it has passed;
- 20 days after a notice without a response, the vehicle is flagged to the registration and
  inspection authorities (Art. 24(5)); the warning is lifted once the notice is resolved (Art. 24(4));
- one year after the violation it can no longer be sanctioned (ND 168/2024 Art. 4): open candidates
  are closed;
- past the payment due date a notice is overdue (the 0.05 %/day late charge is computed at payment).
Each function takes ``now`` so that tests can freeze the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.time import to_local
from penalties.candidates.models import CandidateStatus, RejectReason, ViolationCandidate
from penalties.candidates.states import OPEN, By, move
from penalties.law.periods import LIMITATION
from penalties.notices.models import Notice, NoticeStatus, VehicleWarning
from penalties.notices.states import check_transition

NOTICE_WITHIN = timedelta(days=10)
WARN_BEFORE = timedelta(days=2)
UNANSWERED_AFTER = timedelta(days=20)
AWAITING_RESPONSE = (NoticeStatus.issued, NoticeStatus.delivered, NoticeStatus.overdue)
RESOLVED = (
    NoticeStatus.paid,
    NoticeStatus.cancelled,
    NoticeStatus.acknowledged,
    NoticeStatus.decided,
    NoticeStatus.nominated_driver,
)


def _flag(candidate: ViolationCandidate, name: str, detail: str) -> bool:
    if any(f.get("flag") == name for f in candidate.flags):
        return False
    candidate.flags = [*candidate.flags, {"flag": name, "detail": detail}]
    return True


def notice_deadlines(session: Session, now: datetime) -> dict[str, int]:
    """Warn supervisors about open candidates whose 10-day notice deadline is near or gone."""
    counts = {"due_soon": 0, "missed": 0}
    rows = session.scalars(
        select(ViolationCandidate).where(
            ViolationCandidate.status.in_(sorted(OPEN)),
            ViolationCandidate.detected_at <= now - (NOTICE_WITHIN - WARN_BEFORE),
        )
    )
    for candidate in rows:
        deadline = candidate.detected_at + NOTICE_WITHIN
        day = to_local(deadline).strftime("%d/%m/%Y")
        name, detail = (
            ("notice_deadline_missed", f"the 10-day notice deadline passed on {day}")
            if now >= deadline
            else ("notice_deadline", f"the notice must go out by {day}")
        )
        if _flag(candidate, name, detail):
            counts["missed" if now >= deadline else "due_soon"] += 1
            audit.record(
                session,
                actor=audit.SYSTEM,
                action=f"clock.{name}",
                object_type="violation_candidate",
                object_id=candidate.id,
                detail={"deadline": deadline.isoformat()},
            )
    return counts


def paused(notice: Notice) -> timedelta:
    """The days the notice's clocks stood still (a dispute or a nomination open): what its due date was
    pushed back by, beyond the 10 days from issue."""
    issued_due = to_local(notice.issued_at).date() + timedelta(days=10)
    return max(timedelta(0), notice.due_date - issued_due)


def unanswered_notices(session: Session, now: datetime) -> dict[str, int]:
    """Flag vehicles whose notice has gone 20 days without a response; lift resolved ones."""
    made = lifted = 0
    waiting = session.execute(
        select(Notice, ViolationCandidate)
        .join(ViolationCandidate, ViolationCandidate.id == Notice.candidate_id)
        .where(Notice.status.in_(AWAITING_RESPONSE), Notice.issued_at <= now - UNANSWERED_AFTER)
    ).all()
    for notice, candidate in waiting:
        if now < notice.issued_at + UNANSWERED_AFTER + paused(notice):
            continue  # a dispute or a nomination was open: those days do not count
        exists = session.scalar(select(VehicleWarning.id).where(VehicleWarning.notice_id == notice.id))
        if exists is None and candidate.plate:
            session.add(
                VehicleWarning(
                    plate=candidate.plate,
                    notice_id=notice.id,
                    reason=f"notice {notice.number} unanswered for 20 days (TT 73/2024 Art. 24(5))",
                )
            )
            made += 1
            audit.record(
                session,
                actor=audit.SYSTEM,
                action="clock.vehicle_warning",
                object_type="notice",
                object_id=notice.id,
            )
    for warning, notice in session.execute(
        select(VehicleWarning, Notice)
        .join(Notice, Notice.id == VehicleWarning.notice_id)
        .where(VehicleWarning.lifted_at.is_(None), Notice.status.in_(RESOLVED))
    ).all():
        warning.lifted_at = now
        lifted += 1
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="clock.vehicle_warning_lifted",
            object_type="notice",
            object_id=notice.id,
        )
    return {"warned": made, "lifted": lifted}


def limitation(session: Session, now: datetime) -> dict[str, int]:
    """Close open candidates older than the one-year limitation period."""
    closed = 0
    for candidate in session.scalars(
        select(ViolationCandidate).where(
            ViolationCandidate.status.in_(sorted(OPEN)), ViolationCandidate.detected_at < now - LIMITATION
        )
    ):
        move(candidate, CandidateStatus.rejected, By.system)
        candidate.reject_reason = RejectReason.limitation_expired
        candidate.reviewed_by, candidate.reviewed_at = audit.SYSTEM, now
        candidate.claimed_by = candidate.claim_expires_at = None
        candidate.pending_decision = None
        closed += 1
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="clock.limitation",
            object_type="violation_candidate",
            object_id=candidate.id,
        )
    return {"closed": closed}


def overdue(session: Session, now: datetime) -> dict[str, int]:
    today = to_local(now).date()
    moved = 0
    for notice in session.scalars(
        select(Notice).where(
            Notice.status.in_([NoticeStatus.delivered, NoticeStatus.acknowledged]), Notice.due_date < today
        )
    ):
        check_transition(notice.status, NoticeStatus.overdue)
        notice.status = NoticeStatus.overdue
        moved += 1
        audit.record(
            session, actor=audit.SYSTEM, action="clock.overdue", object_type="notice", object_id=notice.id
        )
    return {"overdue": moved}


def run_all(session: Session, now: datetime) -> dict[str, Any]:
    return {
        "notice_deadlines": notice_deadlines(session, now),
        "unanswered": unanswered_notices(session, now),
        "limitation": limitation(session, now),
        "overdue": overdue(session, now),
    }
