"""The aggregate job: its counts equal the seeded events and a direct count of the base tables, each in
the Vietnam day and hour it happened; refreshing again changes nothing; the backfill command."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from analytics.models import METRICS, DailyViolationStats
from analytics.refresh import refresh_day, vn_day_bounds
from analytics.tasks import refresh_recent_days
from core.cli import app as cli
from penalties.candidates.models import ViolationCandidate
from tests.support.analytics import DAY, NEXT, seed_history, vn


def _stored(db: Session) -> dict[tuple[object, int, str, str], Counter[str]]:
    rows = db.scalars(select(DailyViolationStats)).all()
    return {
        (r.day, r.hour, r.camera_code, r.violation_code): Counter(
            {m: getattr(r, m) for m in METRICS if getattr(r, m)}
        )
        for r in rows
    }


def test_refresh_counts_each_event_in_its_vietnam_day_and_hour(db: Session) -> None:
    history = seed_history(db)
    assert refresh_day(db, DAY) > 0 and refresh_day(db, NEXT) > 0
    assert _stored(db) == history.expected
    late = db.scalars(
        select(DailyViolationStats).where(
            DailyViolationStats.camera_code == "CAM-A", DailyViolationStats.hour == 23
        )
    ).one()
    # 23:30 in Vietnam is 16:30 UTC: the Vietnam day and hour 23, not the UTC ones.
    assert (late.day, late.detected, late.confirmed, late.notices) == (DAY, 1, 1, 1)
    for day in (DAY, NEXT):
        start, end = vn_day_bounds(day)
        direct = db.scalar(
            select(func.count())
            .select_from(ViolationCandidate)
            .where(ViolationCandidate.detected_at >= start, ViolationCandidate.detected_at < end)
        )
        summed = db.scalar(
            select(func.sum(DailyViolationStats.detected)).where(DailyViolationStats.day == day)
        )
        assert summed == direct == history.total("detected", day)
    cam_b = db.scalars(select(DailyViolationStats).where(DailyViolationStats.camera_code == "CAM-B")).all()
    assert {row.province_code for row in cam_b} == {"29"}


def test_refresh_is_idempotent_and_follows_changes(db: Session) -> None:
    history = seed_history(db)
    refresh_day(db, DAY)
    first = _stored(db)
    refresh_day(db, DAY)
    assert _stored(db) == first
    assert db.scalar(select(func.count()).select_from(DailyViolationStats)) == len(first)
    # A new detection that day shows after the next refresh, and only then.
    from tests.support.factories import make_candidate

    make_candidate(db, camera_code="CAM-A", code="RED_LIGHT", detected_at=vn(DAY, 23, 59))
    assert _stored(db) == first
    refresh_day(db, DAY)
    assert _stored(db)[(DAY, 23, "CAM-A", "RED_LIGHT")]["detected"] == 2
    assert history.total("detected", DAY) == 3


def test_hourly_job_refreshes_the_slot_day_and_the_day_before(db: Session) -> None:
    history = seed_history(db)
    refresh_recent_days(db, at=(vn(NEXT, 0, 5)).isoformat())
    days = set(db.scalars(select(DailyViolationStats.day).distinct()))
    assert days == {DAY, NEXT}
    assert _stored(db) == history.expected
    refresh_recent_days(db, at=(vn(NEXT + timedelta(days=5), 12)).isoformat())
    assert set(db.scalars(select(DailyViolationStats.day).distinct())) == {DAY, NEXT}  # nothing there


def test_rebuild_command_backfills_a_range_and_refuses_bad_ranges(db: Session) -> None:
    history = seed_history(db)
    db.commit()
    runner = CliRunner()
    done = runner.invoke(
        cli, ["analytics", "rebuild", "--from", str(DAY - timedelta(days=2)), "--to", str(NEXT)]
    )
    assert done.exit_code == 0, done.output
    assert "4 days rebuilt" in done.output
    db.expire_all()
    assert _stored(db) == history.expected
    again = runner.invoke(cli, ["analytics", "rebuild", "--from", str(DAY), "--to", str(NEXT)])
    assert again.exit_code == 0 and _stored(db) == history.expected

    reversed_ = runner.invoke(cli, ["analytics", "rebuild", "--from", str(NEXT), "--to", str(DAY)])
    assert reversed_.exit_code == 2 and "is after" in reversed_.output
    not_a_day = runner.invoke(cli, ["analytics", "rebuild", "--from", "2026-13-01", "--to", str(DAY)])
    assert not_a_day.exit_code == 2 and "is not a date" in not_a_day.output
    too_long = runner.invoke(cli, ["analytics", "rebuild", "--from", "1990-01-01", "--to", str(DAY)])
    assert too_long.exit_code == 2 and "at most" in too_long.output
