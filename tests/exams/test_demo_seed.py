"""The demo gives the exam officer something to open: two exams on the next Vietnam day, each with
registered demo citizens; loading the demo again adds nothing."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.demo import seed_all
from core.time import VN_TZ, vn_today
from exams.models import Exam, ExamKind, Registration


def test_the_demo_seeds_exams_with_candidates_once(db: Session) -> None:
    first = seed_all(random.Random(2026), citizens=12, scenes=False)
    assert (first["exams"], first["exam registrations"]) == (2, 8)
    again = seed_all(random.Random(2026), citizens=12, scenes=False)
    assert (again["exams"], again["exam registrations"]) == (0, 0)
    exams = db.scalars(select(Exam).order_by(Exam.code)).all()
    assert {e.kind for e in exams} == {ExamKind.driving_test, ExamKind.online}
    tomorrow = vn_today() + timedelta(days=1)  # read after seeding: the same Vietnam day unless at midnight
    for exam in exams:
        local = exam.starts_at.astimezone(VN_TZ)
        assert local.date() in (tomorrow, tomorrow - timedelta(days=1))
        assert (local.hour, local.minute) in ((8, 0), (14, 0))
    assert db.scalar(select(func.count()).select_from(Registration)) == 8
