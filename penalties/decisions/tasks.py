"""Jobs of decisions: telling citizens when a licence gets its 12 points back."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import to_local, vn_today
from penalties.decisions.ledger import entries_of, standing
from penalties.decisions.models import PointsDeduction
from penalties.law.points import LICENCE_POINTS, restoration_date
from penalties.notices.notify import notify_citizen

LOOK_BACK_DAYS = 7  # a restoration missed while the worker was down is still announced (once)


@periodic(timedelta(days=1), offset=timedelta(hours=17, minutes=5))  # 00:05 in Vietnam
@task("penalties.points_restorations", max_attempts=5)
def points_restorations(session: Session, *, on: str | None = None, at: str | None = None) -> None:
    """Daily: licences restored to 12 points in the last days (12 months without a deduction). ``on`` is a
    Vietnam day; ``at`` the scheduler's slot (its Vietnam day is the one checked)."""
    if on:
        day = date.fromisoformat(on)
    elif at:
        day = to_local(datetime.fromisoformat(at)).date()
    else:
        day = vn_today()
    told = 0
    last_deductions = session.execute(
        select(PointsDeduction.cccd, PointsDeduction.licence_class, func.max(PointsDeduction.effective_on))
        .group_by(PointsDeduction.cccd, PointsDeduction.licence_class)
        .having(func.max(PointsDeduction.effective_on) <= day)
    ).all()
    for cccd, cls, last in last_deductions:
        restored = restoration_date(last)
        if not day - timedelta(days=LOOK_BACK_DAYS) <= restored <= day:
            continue
        events = standing(cls, entries_of(session, cccd, cls), day).history
        if events and events[-1].kind == "restoration" and events[-1].balance == LICENCE_POINTS:
            notify_citizen(session, cccd, "points.changed", f"restored:{cls}:{restored.isoformat()}")
            told += 1
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="points.restorations",
        object_type="points",
        detail={"on": day.isoformat(), "told": told},
    )
