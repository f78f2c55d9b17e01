"""The licence points ledger: deductions stored per licence class on the day a decision takes effect
(a Vietnam calendar day), the balance through penalties.law.points (fewer points left than deducted:
the rest go; 12 months without a deduction: back to 12) and the history with its restorations."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.runner import execute
from core.models import Job
from core.plugins import load_tasks
from detection.vehicles import VehicleClass
from penalties.decisions.ledger import LedgerEntry, standing, standings
from penalties.decisions.models import LicenceClass, PointsDeduction
from penalties.decisions.service import due_date_from, issue_decision
from penalties.notices.models import NoticeStatus
from tests.support.decisions import MOTORBIKE_PLATE, open_notice, supervisor_id
from tests.support.factories import make_citizen

CAR = LicenceClass.car


def test_deductions_and_a_restoration_after_twelve_months() -> None:
    entries = [LedgerEntry(date(2025, 1, 10), 4), LedgerEntry(date(2025, 6, 1), 6)]
    mid = standing(CAR, entries, date(2025, 7, 1))
    assert (mid.balance, mid.restores_on) == (2, date(2026, 6, 1))  # 12 months after the LAST deduction
    assert [(e.kind, e.change, e.balance) for e in mid.history] == [
        ("deduction", -4, 8),
        ("deduction", -6, 2),
    ]

    assert standing(CAR, entries, date(2026, 5, 31)).balance == 2  # the day before: not yet
    later = standing(CAR, entries, date(2026, 6, 1))
    assert (later.balance, later.restores_on) == (12, None)
    assert (later.history[-1].kind, later.history[-1].on, later.history[-1].change) == (
        "restoration",
        date(2026, 6, 1),
        10,
    )


def test_a_restoration_between_two_deductions_shows_in_the_history() -> None:
    entries = [LedgerEntry(date(2024, 1, 5), 4), LedgerEntry(date(2025, 3, 1), 2)]
    now = standing(CAR, entries, date(2025, 3, 2))
    assert [(e.on, e.kind, e.balance) for e in now.history] == [
        (date(2024, 1, 5), "deduction", 8),
        (date(2025, 1, 5), "restoration", 12),
        (date(2025, 3, 1), "deduction", 10),
    ]
    assert now.balance == 10 and now.restores_on == date(2026, 3, 1)


def test_no_points_left_means_no_restoration() -> None:
    entries = [LedgerEntry(date(2024, 1, 5), 6), LedgerEntry(date(2024, 2, 5), 10)]
    gone = standing(CAR, entries, date(2026, 1, 1))
    assert (gone.balance, gone.restores_on) == (0, None)
    assert [e.change for e in gone.history] == [-6, -6]  # only the 6 that were left went


def test_the_ten_days_run_from_the_vietnamese_day_of_receipt() -> None:
    # 18:30 UTC on 31 March is 01:30 on 1 April in Vietnam.
    assert due_date_from(datetime(2026, 3, 31, 18, 30, tzinfo=UTC)) == date(2026, 4, 11)
    assert due_date_from(datetime(2026, 3, 31, 16, 30, tzinfo=UTC)) == date(2026, 4, 10)


def test_stored_decisions_feed_the_balance(db: Session) -> None:
    owner = make_citizen(db, serial=8201)
    issuer = uuid.UUID(supervisor_id(db))
    red = open_notice(db, owner, status=NoticeStatus.acknowledged)  # car, 4 points
    speed = open_notice(db, owner, code="SPEED_10_20")  # car, 2 points
    bike = open_notice(
        db, owner, plate=MOTORBIKE_PLATE[0], code="SPEED_GT20", vehicle_class=VehicleClass.motorbike
    )
    # Issued 31 March 17:30 UTC: already 1 April in Vietnam, the day the decision takes effect.
    first = issue_decision(
        db, [red.id, speed.id], issued_by=issuer, now=datetime(2025, 3, 31, 17, 30, tzinfo=UTC)
    )
    second = issue_decision(db, [bike.id], issued_by=issuer, now=datetime(2025, 9, 10, 3, 0, tzinfo=UTC))
    db.commit()
    rows = db.scalars(select(PointsDeduction).order_by(PointsDeduction.effective_on)).all()
    assert [(r.licence_class, r.points, r.effective_on) for r in rows] == [
        (LicenceClass.car, 4, date(2025, 4, 1)),
        (LicenceClass.motorbike, 4, date(2025, 9, 10)),
    ]

    car, bike_licence = standings(db, owner.cccd, date(2025, 10, 1))
    assert (car.licence_class, car.balance, car.restores_on) == (CAR, 8, date(2026, 4, 1))
    assert car.history[0].decision_number == first.number
    assert (bike_licence.balance, bike_licence.history[0].decision_id) == (8, second.id)
    car, bike_licence = standings(db, owner.cccd, date(2026, 4, 1))
    assert (car.balance, car.history[-1].kind) == (12, "restoration")
    assert bike_licence.balance == 8


def test_the_daily_job_tells_the_citizen_their_points_are_back(db: Session) -> None:
    load_tasks()
    owner = make_citizen(db, serial=8202)
    notice = open_notice(db, owner, status=NoticeStatus.acknowledged)
    issue_decision(
        db, [notice.id], issued_by=uuid.UUID(supervisor_id(db)), now=datetime(2025, 3, 31, 17, 30, tzinfo=UTC)
    )
    db.commit()
    key = f"notify:points.changed:restored:car:2026-04-01:{owner.cccd}"

    def run(on: str) -> None:
        from core.jobs import enqueue

        job = enqueue(db, "penalties.points_restorations", {"on": on}, key=f"restore-check:{on}")
        db.commit()
        execute(str(job.id))
        db.rollback()

    run("2026-03-31")  # the day before: still 8 points
    assert db.scalar(select(Job.id).where(Job.key == key)) is None
    run("2026-04-01")
    run("2026-04-03")  # a later run within the look-back: told once only
    assert len(db.scalars(select(Job.id).where(Job.key == key)).all()) == 1
