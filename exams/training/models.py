"""Learners enrolled at a driving-school centre and their training sessions.

A session keeps the measured face distance and the engine's outcome code of its check-in and of its
latest check-out attempt: never the chip photo, the frames or an embedding.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column


class CourseClass(StrEnum):
    """The licence class a course trains for (Law 35/2024 Art. 57)."""

    A1 = "A1"
    A = "A"
    B1 = "B1"
    B = "B"
    C1 = "C1"
    C = "C"
    D1 = "D1"
    D2 = "D2"
    D = "D"
    BE = "BE"
    C1E = "C1E"
    CE = "CE"
    D1E = "D1E"
    D2E = "D2E"
    DE = "DE"


class SessionStatus(StrEnum):
    open = "open"  # checked in, not (yet) checked out with a matching face
    closed = "closed"


class CountRule(StrEnum):
    """Why a closed session counts as it does (rules.count_session)."""

    counted = "counted"
    too_short = "too_short"  # under 5 minutes: recorded, not counted
    capped = "capped"  # over 4 hours: 4 hours counted
    day_limit = "day_limit"  # the Vietnam day's 10 hours ran out: counted only up to them


class Enrolment(UUIDPk, Timestamps, Base):
    __tablename__ = "training_enrolments"
    __table_args__ = (
        UniqueConstraint("centre", "course", "cccd", name="uq_training_enrolments_centre_course_cccd"),
    )

    centre: Mapped[str] = mapped_column(String(200))
    course: Mapped[str] = mapped_column(String(60))
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    licence_class: Mapped[CourseClass] = enum_column(CourseClass)
    enrolled_by: Mapped[str] = mapped_column(String(120))


OPEN = "status = 'open'"


class TrainingSession(UUIDPk, Timestamps, Base):
    __tablename__ = "training_sessions"
    __table_args__ = (
        # One open session per learner: a DATABASE rule too, so two desks cannot both check one in.
        Index(
            "uq_training_sessions_one_open",
            "cccd",
            unique=True,
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
    )

    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_enrolments.id"), index=True)
    cccd: Mapped[str] = mapped_column(String(12), index=True)  # the learner's rules span enrolments
    status: Mapped[SessionStatus] = enum_column(SessionStatus, index=True)
    checked_in_at: Mapped[datetime]
    checked_in_by: Mapped[str] = mapped_column(String(120))
    vn_day: Mapped[date] = mapped_column(index=True)  # the Vietnam day of the check-in: it counts there
    in_face_distance: Mapped[float | None] = mapped_column(Float)
    in_face_threshold: Mapped[float | None] = mapped_column(Float)
    checked_out_at: Mapped[datetime | None]
    checked_out_by: Mapped[str | None] = mapped_column(String(120))
    out_face_distance: Mapped[float | None] = mapped_column(Float)  # the latest check-out attempt's
    out_reason_code: Mapped[str | None] = mapped_column(String(60))
    refused_checkouts: Mapped[int] = mapped_column(Integer, default=0)  # > 0: flagged for staff
    counted_seconds: Mapped[int] = mapped_column(Integer, default=0)
    count_rule: Mapped[CountRule | None] = enum_column(CountRule)

    enrolment: Mapped[Enrolment] = relationship()

    @property
    def flagged(self) -> bool:
        return self.refused_checkouts > 0
