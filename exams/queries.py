"""Lists for the exam desk and the candidate: exams newest first, an exam's candidates with their
latest attempt, a citizen's own registrations. Reads of people's data are audited here."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from exams.exceptions import NotRegistered
from exams.models import CheckinAttempt, Exam, Registration


def list_exams(session: Session, *, page: int, size: int) -> tuple[list[Exam], int]:
    total = session.scalar(select(func.count()).select_from(Exam)) or 0
    rows = session.scalars(
        select(Exam).order_by(Exam.starts_at.desc(), Exam.id).offset((page - 1) * size).limit(size)
    )
    return list(rows), total


def latest_attempts(session: Session, reg_ids: list[uuid.UUID]) -> dict[uuid.UUID, CheckinAttempt]:
    latest: dict[uuid.UUID, CheckinAttempt] = {}
    if not reg_ids:
        return latest
    rows = session.scalars(
        select(CheckinAttempt)
        .where(CheckinAttempt.registration_id.in_(reg_ids))
        .order_by(CheckinAttempt.created_at, CheckinAttempt.id)
    )
    for attempt in rows:  # the newest wins
        latest[attempt.registration_id] = attempt
    return latest


def candidates(
    session: Session, exam: Exam, *, actor: str
) -> list[tuple[Registration, CheckinAttempt | None]]:
    """The exam's candidates by name, each with their latest attempt; the read is audited."""
    regs = list(
        session.scalars(
            select(Registration).where(Registration.exam_id == exam.id).order_by(Registration.full_name)
        )
    )
    latest = latest_attempts(session, [r.id for r in regs])
    audit.record_read(
        session,
        actor=actor,
        object_type="exam_registrations",
        object_id=exam.id,
        purpose="exam candidates",
        owners=[r.cccd for r in regs],
    )
    return [(r, latest.get(r.id)) for r in regs]


def registration_by_id(session: Session, exam: Exam, reg_id: uuid.UUID) -> Registration:
    reg = session.get(Registration, reg_id)
    if reg is None or reg.exam_id != exam.id:
        raise NotRegistered(f"no candidate {reg_id} in {exam.code}")
    return reg


def own_registration(session: Session, reg_id: uuid.UUID, cccd: str) -> Registration:
    """A citizen's own registration; another person's is answered as missing."""
    reg = session.get(Registration, reg_id)
    if reg is None or reg.cccd != cccd:
        raise NotRegistered(f"no registration {reg_id} of yours")
    return reg


def own_registrations(session: Session, cccd: str) -> list[Registration]:
    rows = session.scalars(
        select(Registration).join(Exam).where(Registration.cccd == cccd).order_by(Exam.starts_at.desc())
    )
    return list(rows)
