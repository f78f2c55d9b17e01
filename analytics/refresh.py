"""Rebuild the aggregate rows of one Vietnam day from the base tables (delete, then insert: running it
again gives the same rows). Each event counts in the Vietnam hour it happened, under its violation's
camera and code; hours are bucketed here in Python, so SQLite and PostgreSQL agree to the row."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from analytics.models import METRICS, DailyViolationStats
from core.time import VN_TZ, to_local, utc_now
from payments.models import Payment, PaymentStatus
from penalties.cameras.models import Camera
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.decisions.models import Decision, DecisionNotice
from penalties.notices.models import Notice

CONFIRMED = (CandidateStatus.confirmed, CandidateStatus.awaiting_registry)
Cell = tuple[int, uuid.UUID, str]  # hour, camera, violation code
Candidate = ViolationCandidate
Events = Select[uuid.UUID, str, datetime | None]  # camera, violation code, when


def vn_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), VN_TZ)
    return start, start + timedelta(days=1)


def _event_queries(start: datetime, end: datetime) -> dict[str, Events]:
    """For each metric: (camera, violation code, when) of every event in [start, end)."""
    what = (Candidate.camera_id, Candidate.violation_code)

    def reviewed(statuses: Iterable[CandidateStatus]) -> Events:
        return select(*what, Candidate.reviewed_at).where(
            Candidate.reviewed_at >= start, Candidate.reviewed_at < end, Candidate.status.in_(list(statuses))
        )

    decided = (
        select(*what, Decision.issued_at)
        .join(Notice, Notice.candidate_id == Candidate.id)
        .join(DecisionNotice, DecisionNotice.notice_id == Notice.id)
        .join(Decision, Decision.id == DecisionNotice.decision_id)
        .where(Decision.issued_at >= start, Decision.issued_at < end)
    )
    paid = (
        select(*what, Payment.paid_at)
        .join(Notice, Notice.candidate_id == Candidate.id)
        .join(DecisionNotice, DecisionNotice.notice_id == Notice.id)
        .join(Payment, Payment.decision_id == DecisionNotice.decision_id)
        .where(Payment.status == PaymentStatus.succeeded, Payment.paid_at >= start, Payment.paid_at < end)
    )
    return {
        "detected": select(*what, Candidate.detected_at).where(
            Candidate.detected_at >= start, Candidate.detected_at < end
        ),
        "confirmed": reviewed(CONFIRMED),
        "rejected": reviewed([CandidateStatus.rejected]),
        "notices": select(*what, Notice.issued_at)
        .join(Notice, Notice.candidate_id == Candidate.id)
        .where(Notice.issued_at >= start, Notice.issued_at < end),
        "decisions": decided,
        "paid": paid,
    }


def count_day(session: Session, day: date) -> dict[Cell, Counter[str]]:
    """The day's counts per (hour, camera, code), straight from the base tables."""
    start, end = vn_day_bounds(day)
    cells: dict[Cell, Counter[str]] = defaultdict(Counter)
    for metric, query in _event_queries(start, end).items():
        for camera_id, code, at in session.execute(query):
            assert at is not None  # every query selects by its time
            cells[(to_local(at).hour, camera_id, code)][metric] += 1
    return cells


def refresh_day(session: Session, day: date) -> int:
    """Replace ``day``'s aggregate rows; the number of rows it now has. Only flushes."""
    cells = count_day(session, day)
    session.execute(delete(DailyViolationStats).where(DailyViolationStats.day == day))
    camera_ids = {camera_id for _, camera_id, _ in cells}
    cameras = {
        row.id: (row.code, row.province_code)
        for row in session.execute(
            select(Camera.id, Camera.code, Camera.province_code).where(Camera.id.in_(camera_ids))
        )
    }
    now = utc_now()
    for (hour, camera_id, code), counts in sorted(cells.items(), key=lambda item: str(item[0])):
        camera_code, province = cameras[camera_id]
        session.add(
            DailyViolationStats(
                day=day,
                hour=hour,
                camera_id=camera_id,
                camera_code=camera_code,
                province_code=province,
                violation_code=code,
                refreshed_at=now,
                **{metric: counts[metric] for metric in METRICS},
            )
        )
    session.flush()
    return len(cells)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
