"""Exams, their registered candidates and the identity check-in attempts at the desk or online.

An attempt keeps what was decided and why (sources, trust level, cross-check findings, the measured
face distance and threshold, the liveness outcome): never the card photo, the live frames or any
embedding, which live only inside the check-in call.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column


class ExamKind(StrEnum):
    driving_test = "driving_test"  # exam day at a driving-test centre (desk check-in)
    online = "online"


class Verdict(StrEnum):
    admitted = "admitted"
    refused = "refused"
    pending_officer = "pending_officer"  # printed card only, or findings: an officer decides


class OfficerDecision(StrEnum):
    """What the officer at the desk decided: only this lets a candidate in (see exams/service.py)."""

    admitted = "admitted"
    refused = "refused"


class Exam(UUIDPk, Timestamps, Base):
    __tablename__ = "exams"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[ExamKind] = enum_column(ExamKind)
    centre: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))


class Registration(UUIDPk, Timestamps, Base):
    __tablename__ = "exam_registrations"
    __table_args__ = (UniqueConstraint("exam_id", "cccd", name="uq_exam_registrations_exam_cccd"),)

    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exams.id"), index=True)
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    registered_by: Mapped[str] = mapped_column(String(120))

    exam: Mapped[Exam] = relationship()


class CheckinAttempt(UUIDPk, Timestamps, Base):
    __tablename__ = "exam_checkins"

    registration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_registrations.id"), index=True)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)  # chip, qr, mrz
    card_cccd: Mapped[str | None] = mapped_column(String(12))  # the ID the card gave
    trust_level: Mapped[str] = mapped_column(String(20))  # identity.record.TrustLevel
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    face_distance: Mapped[float | None] = mapped_column(Float)  # the measured distance, no embedding
    face_threshold: Mapped[float | None] = mapped_column(Float)
    face_matched: Mapped[bool | None]
    liveness: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # code, passed, yaws
    verdict: Mapped[Verdict] = enum_column(Verdict, index=True)
    reason_code: Mapped[str] = mapped_column(String(60))  # the engine's code, or officer.*
    reason: Mapped[str] = mapped_column(String(500))
    submitted_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120))  # the officer, for a pending attempt
    decided_at: Mapped[datetime | None]
    officer_decision: Mapped[OfficerDecision | None] = enum_column(OfficerDecision, nullable=True)
    officer_reason: Mapped[str | None] = mapped_column(String(500))

    registration: Mapped[Registration] = relationship()
