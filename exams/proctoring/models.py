"""Proctoring of online exams: the admitted face's embedding kept for the exam's duration only, and the
flags raised by webcam re-verification (or by a face admitted twice), each with its frame as evidence.

The one retention exception to "no biometrics beyond the attempt": ``FaceReference`` holds the
embedding of the face admitted at check-in (a 128-d vector, not an image) until ``keep_until`` (the
exam's end), when the purge job deletes the row. It is encrypted at rest (AES-256-GCM under
``TVP_BIOMETRIC_KEY``, bound to its registration: ``core/at_rest.py``). A flag's frame is kept in the
evidence store until ``evidence_purge_after`` (a fixed time after the proctor resolved it), then deleted
by the same job.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from core.time import utc_now
from exams.models import Registration


class FlagKind(StrEnum):
    no_face = "no_face"
    several_faces = "several_faces"
    different_face = "different_face"  # distance above the policy threshold
    unusable = "unusable"  # a quality gate failed (too small, blurred, turned away)
    duplicate_face = "duplicate_face"  # the same face admitted as two candidates of the exam


class FlagStatus(StrEnum):
    open = "open"
    dismissed = "dismissed"  # the proctor found nothing wrong
    confirmed = "confirmed"  # the proctor confirmed the irregularity


class FaceReference(UUIDPk, Base):
    __tablename__ = "exam_face_references"

    registration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_registrations.id"), unique=True)
    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exams.id"), index=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float64 LE, sealed (core/at_rest.py)
    admitted_at: Mapped[datetime] = mapped_column(default=utc_now)
    keep_until: Mapped[datetime] = mapped_column(index=True)


class ProctorFlag(UUIDPk, Timestamps, Base):
    __tablename__ = "exam_proctor_flags"
    __table_args__ = (
        CheckConstraint("(status = 'open') = (resolved_at IS NULL)", name="resolved_iff_not_open"),
    )

    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exams.id"), index=True)
    registration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_registrations.id"), index=True)
    kind: Mapped[FlagKind] = enum_column(FlagKind)
    status: Mapped[FlagStatus] = enum_column(FlagStatus, default=FlagStatus.open, index=True)
    code: Mapped[str] = mapped_column(String(60))  # the engine's code: face.none, face.blurred…
    distance: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    other_registration_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("exam_registrations.id"))
    evidence_key: Mapped[str | None] = mapped_column(String(64))  # the JPEG frame; None once purged
    evidence_purge_after: Mapped[datetime | None] = mapped_column(index=True)
    evidence_purged_at: Mapped[datetime | None]
    submitted_by: Mapped[str] = mapped_column(String(120))
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None]
    resolution_reason: Mapped[str | None] = mapped_column(String(500))

    registration: Mapped[Registration] = relationship(foreign_keys=[registration_id])
    other_registration: Mapped[Registration | None] = relationship(foreign_keys=[other_registration_id])
