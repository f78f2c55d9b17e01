"""A reviewer's working day: how far each candidate is into the 10-day notice clock (in Vietnamese
calendar days), and the reviewer's own figures for today (decisions, median seconds per decision)."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry
from core.time import VN_TZ, to_local, vn_today
from penalties.candidates.models import ViolationCandidate
from penalties.notices.clocks import NOTICE_WITHIN

AMBER_FROM_DAY, RED_FROM_DAY = 5, 8  # of the NOTICE_WITHIN (10) days


class AgeBand(StrEnum):
    green = "green"  # under 5 days old
    amber = "amber"  # 5, 6 or 7 days
    red = "red"  # 8 days or more: 2 days or less left to send the notice


def age_days(detected_at: datetime, today: date | None = None) -> int:
    """Vietnamese calendar days since the violation's Vietnamese date (the clock's own count)."""
    return ((today or vn_today()) - to_local(detected_at).date()).days


def age_band(days: int) -> AgeBand:
    if days >= RED_FROM_DAY:
        return AgeBand.red
    return AgeBand.amber if days >= AMBER_FROM_DAY else AgeBand.green


def days_left(days: int) -> int:
    return NOTICE_WITHIN.days - days


@dataclass(frozen=True)
class ReviewerFigures:
    decisions: int
    median_seconds: float | None  # None when no decision today has a known claim time


def _vn_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), VN_TZ)
    return start, start + timedelta(days=1)


def reviewer_figures(session: Session, actor: str, day: date | None = None) -> ReviewerFigures:
    """The decisions (confirmations and rejections; escalations hand an item on and are left out) that
    ``actor`` made on the Vietnamese ``day`` (today), and the median time from claim to decision. The
    claim time is the latest ``candidate.claim`` audit entry by the same actor for that candidate at or
    before the decision; a decision without one (e.g. made through another path) counts as a decision
    but has no known duration."""
    start, end = _vn_day_bounds(day or vn_today())
    decided = session.execute(
        select(ViolationCandidate.id, ViolationCandidate.reviewed_at).where(
            ViolationCandidate.reviewed_by == actor,
            ViolationCandidate.reviewed_at >= start,
            ViolationCandidate.reviewed_at < end,
        )
    ).all()
    if not decided:
        return ReviewerFigures(0, None)
    claims: dict[str, list[datetime]] = {}
    claim_rows = session.execute(
        select(AuditEntry.object_id, AuditEntry.at).where(
            AuditEntry.action == "candidate.claim",
            AuditEntry.actor == actor,
            AuditEntry.object_id.in_([str(cid) for cid, _ in decided]),
        )
    )
    for object_id, at in claim_rows:
        claims.setdefault(str(object_id), []).append(at)
    durations = [
        seconds for cid, at in decided if (seconds := _claim_to_decision(claims, cid, at)) is not None
    ]
    return ReviewerFigures(len(decided), statistics.median(durations) if durations else None)


def _claim_to_decision(
    claims: dict[str, list[datetime]], cid: uuid.UUID, at: datetime | None
) -> float | None:
    before = [c for c in claims.get(str(cid), []) if at is not None and c <= at]
    return (at - max(before)).total_seconds() if at is not None and before else None
