"""Each legal clock with a frozen clock, and the scheduler that runs them once per slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.jobs.schedule import SCHEDULES, Schedule, enqueue_due
from core.models import Job
from core.time import to_local, utc_now
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.notices.clocks import limitation, notice_deadlines, overdue, unanswered_notices
from penalties.notices.models import Notice, NoticeStatus, VehicleWarning
from tests.support.factories import make_candidate

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def flags(c: ViolationCandidate) -> list[str]:
    return [f["flag"] for f in c.flags]


def notice_for(
    db: Session, candidate: ViolationCandidate, *, issued: datetime, status: NoticeStatus
) -> Notice:
    notice = Notice(
        number=f"TVP-TEST-{candidate.id.hex[:8]}",
        candidate_id=candidate.id,
        owner_cccd="079090001234",
        owner_snapshot={},
        violation_code=candidate.violation_code,
        legal_basis="ND 168/2024/NĐ-CP Art.6(9)(b)",
        amount_vnd=18_000_000,
        points=4,
        status=status,
        issued_at=issued,
        due_date=to_local(issued).date() + timedelta(days=10),  # as penalties.review.confirm counts
    )
    db.add(notice)
    db.flush()
    return notice


def test_ten_day_notice_deadline(db: Session) -> None:
    fresh = make_candidate(db, detected_at=NOW - timedelta(days=7, hours=23))
    near = make_candidate(db, detected_at=NOW - timedelta(days=8, hours=1))
    gone = make_candidate(db, detected_at=NOW - timedelta(days=10, hours=1))
    done = make_candidate(db, detected_at=NOW - timedelta(days=9))
    done.status = CandidateStatus.confirmed
    assert notice_deadlines(db, NOW) == {"due_soon": 1, "missed": 1}
    assert (flags(fresh), flags(near), flags(gone), flags(done)) == (
        [],
        ["notice_deadline"],
        ["notice_deadline_missed"],
        [],
    )
    assert notice_deadlines(db, NOW) == {"due_soon": 0, "missed": 0}  # warned once
    # Two days later the near one has lapsed too, and the fresh one is near.
    assert notice_deadlines(db, NOW + timedelta(days=2)) == {"due_soon": 1, "missed": 1}
    assert flags(near) == ["notice_deadline", "notice_deadline_missed"]
    assert flags(fresh) == ["notice_deadline"]


def test_twenty_days_without_response_flags_the_vehicle_until_resolved(db: Session) -> None:
    old = make_candidate(db, plate="51G12345")
    recent = make_candidate(db, plate="51G67890")
    answered = make_candidate(db, plate="30A11111")
    a = notice_for(db, old, issued=NOW - timedelta(days=20, hours=1), status=NoticeStatus.delivered)
    notice_for(db, recent, issued=NOW - timedelta(days=19), status=NoticeStatus.delivered)
    notice_for(db, answered, issued=NOW - timedelta(days=30), status=NoticeStatus.acknowledged)
    assert unanswered_notices(db, NOW) == {"warned": 1, "lifted": 0}
    warning = db.scalars(select(VehicleWarning)).one()
    assert warning.plate == "51G12345" and warning.lifted_at is None
    assert unanswered_notices(db, NOW) == {"warned": 0, "lifted": 0}
    a.status = NoticeStatus.paid
    # A day later: the paid one is lifted, and the other notice reaches its 20 days.
    assert unanswered_notices(db, NOW + timedelta(days=1)) == {"warned": 1, "lifted": 1}
    assert warning.lifted_at is not None


def test_one_year_limitation_closes_open_candidates(db: Session) -> None:
    expired = make_candidate(db, detected_at=NOW - timedelta(days=365, minutes=1))
    alive = make_candidate(db, detected_at=NOW - timedelta(days=364))
    assert limitation(db, NOW) == {"closed": 1}
    assert expired.status is CandidateStatus.rejected and expired.reject_reason is not None
    assert expired.reject_reason.value == "limitation_expired"
    assert alive.status is CandidateStatus.pending_review


def test_payment_due_date_makes_notices_overdue(db: Session) -> None:
    due_today = notice_for(
        db, make_candidate(db), issued=NOW - timedelta(days=10), status=NoticeStatus.delivered
    )
    late = notice_for(
        db, make_candidate(db), issued=NOW - timedelta(days=12), status=NoticeStatus.acknowledged
    )
    paid = notice_for(db, make_candidate(db), issued=NOW - timedelta(days=40), status=NoticeStatus.paid)
    assert due_today.due_date == date(2026, 11, 22)
    assert overdue(db, NOW) == {"overdue": 1}
    assert (due_today.status, late.status, paid.status) == (
        NoticeStatus.delivered,
        NoticeStatus.overdue,
        NoticeStatus.paid,
    )


def test_a_notice_is_overdue_from_midnight_in_vietnam(db: Session) -> None:
    notice = notice_for(
        db, make_candidate(db), issued=NOW - timedelta(days=10), status=NoticeStatus.delivered
    )
    assert notice.due_date == date(2026, 11, 22)
    assert overdue(db, datetime(2026, 11, 22, 16, 59, tzinfo=UTC)) == {"overdue": 0}  # 23:59 on the 22nd
    assert overdue(db, datetime(2026, 11, 22, 17, 0, tzinfo=UTC)) == {"overdue": 1}  # 00:00 on the 23rd


def test_schedule_slots() -> None:
    hourly = Schedule("x", timedelta(hours=1))
    assert hourly.slot(datetime(2026, 11, 22, 3, 59, tzinfo=UTC)) == datetime(2026, 11, 22, 3, tzinfo=UTC)
    nightly = Schedule("x", timedelta(days=1), offset=timedelta(hours=19))  # 02:00 in Hà Nội
    assert nightly.slot(datetime(2026, 11, 22, 3, tzinfo=UTC)) == datetime(2026, 11, 21, 19, tzinfo=UTC)


def test_scheduler_enqueues_each_slot_once(db: Session) -> None:
    from core.plugins import load_tasks

    load_tasks()
    assert "penalties.legal_clocks" in SCHEDULES
    first = enqueue_due(NOW)
    assert "penalties.legal_clocks@2026-11-22T03:00:00+00:00" in first
    again = enqueue_due(NOW + timedelta(minutes=30))  # same slot, another scheduler: nothing again
    assert not set(again) & set(first), again  # (a schedule with a slot in between may start now)
    assert not [key for key in again if key.startswith("penalties.legal_clocks@")]
    assert "penalties.legal_clocks@2026-11-22T04:00:00+00:00" in enqueue_due(NOW + timedelta(hours=1))
    db.rollback()
    count = db.scalar(select(func.count()).select_from(Job).where(Job.name == "penalties.legal_clocks"))
    assert count == 2


def test_the_clock_job_runs(db: Session) -> None:
    from core.jobs.runner import execute
    from core.plugins import load_tasks

    load_tasks()
    make_candidate(db, detected_at=utc_now() - timedelta(days=400))
    db.commit()
    enqueue_due()
    job = db.scalars(select(Job).where(Job.name == "penalties.legal_clocks")).one()
    assert execute(str(job.id)) == "done"
    db.rollback()
    db.expire_all()
    statuses = set(db.scalars(select(ViolationCandidate.status)))
    assert statuses == {CandidateStatus.rejected}
