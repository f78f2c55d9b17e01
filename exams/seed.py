"""Demo exams for the exam officer's desk: a driving test and an online exam on the next Vietnam day,
each with a few of the registry's demo citizens registered (their chips are not in the demo: the desk
shows how a refused or pending check-in looks; the candidate page shows the registration)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.time import VN_TZ, vn_today
from exams.models import Exam, ExamKind
from exams.schemas import ExamCreate
from exams.service import create_exam, register
from registry.models import Citizen

ACTOR = "system:demo-seed"
EXAMS = [
    ("DEMO-SH-A1", ExamKind.driving_test, "Trung tâm sát hạch lái xe Quận 9", time(8, 0)),
    ("DEMO-ONLINE-01", ExamKind.online, "Trường THPT Chu Văn An (thi trực tuyến)", time(14, 0)),
]
CANDIDATES_PER_EXAM = 4


def seed_demo(session: Session, rng: random.Random) -> dict[str, int]:
    people = session.scalars(select(Citizen).order_by(Citizen.cccd).limit(CANDIDATES_PER_EXAM)).all()
    day = vn_today() + timedelta(days=1)
    exams = registrations = 0
    for code, kind, centre, at in EXAMS:
        if session.scalar(select(Exam.id).where(Exam.code == code)) is not None:
            continue
        starts = datetime.combine(day, at, tzinfo=VN_TZ)
        exam = create_exam(
            session, ExamCreate(code=code, kind=kind, centre=centre, starts_at=starts), actor=ACTOR
        )
        exams += 1
        for person in people:
            register(session, exam, person.cccd, person.full_name, actor=ACTOR)
            registrations += 1
    return {"exams": exams, "exam registrations": registrations}
