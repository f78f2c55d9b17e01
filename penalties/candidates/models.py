"""Violation candidates with their evidence items and each camera's evidence chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from penalties.cameras.models import Camera


class CandidateStatus(StrEnum):
    pending_review = "pending_review"
    awaiting_registry = "awaiting_registry"  # confirmed; the owner lookup waits for the registry
    confirmed = "confirmed"
    rejected = "rejected"
    escalated = "escalated"


class RejectReason(StrEnum):
    plate_unreadable = "plate_unreadable"
    not_a_violation = "not_a_violation"
    emergency_vehicle = "emergency_vehicle"
    duplicate = "duplicate"
    wrong_vehicle = "wrong_vehicle"
    equipment_fault = "equipment_fault"
    limitation_expired = "limitation_expired"
    other = "other"


class ViolationCandidate(UUIDPk, Timestamps, Base):
    __tablename__ = "violation_candidates"
    # The review queue's order (oldest first): its page is read from the index, not sorted per view.
    __table_args__ = (Index("ix_violation_candidates_status_detected", "status", "detected_at", "id"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id"), index=True)
    detected_at: Mapped[datetime] = mapped_column(index=True)
    violation_code: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str | None] = mapped_column(String(12), index=True)  # compact form
    plate_confidence: Mapped[float | None] = mapped_column(Float)
    vehicle_class: Mapped[str | None] = mapped_column(String(20))
    measured: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[CandidateStatus] = enum_column(CandidateStatus, default=CandidateStatus.pending_review)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claim_expires_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(index=True)  # analytics reads a day's reviews
    reject_reason: Mapped[RejectReason | None] = enum_column(RejectReason, nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # for the reviewer's attention
    pending_decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # confirmed, owner lookup queued
    escalated_by: Mapped[str | None] = mapped_column(String(120))
    escalated_at: Mapped[datetime | None]
    escalation_note: Mapped[str | None] = mapped_column(Text)  # kept whatever the supervisor decides
    original_plate: Mapped[str | None] = mapped_column(String(12))  # the camera's read, once corrected
    # Who corrected the plate to another owner: then only someone else may confirm (a second check).
    plate_corrected_by: Mapped[str | None] = mapped_column(String(120))

    camera: Mapped[Camera] = relationship()
    evidence: Mapped[list[EvidenceItem]] = relationship(back_populates="candidate")


class EvidenceKind(StrEnum):
    frame = "frame"
    overlay = "overlay"
    plate_crop = "plate_crop"
    clip = "clip"
    manifest = "manifest"
    rider_frame = "rider_frame"  # a helmet finding: the best look at one rider (the motorbike's crop)
    head_crop = "head_crop"  # …and that rider's head, enlarged


class EvidenceItem(UUIDPk, Timestamps, Base):
    __tablename__ = "evidence_items"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_nonnegative"),)

    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violation_candidates.id"), index=True)
    kind: Mapped[EvidenceKind] = enum_column(EvidenceKind)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    captured_at: Mapped[datetime | None]

    candidate: Mapped[ViolationCandidate] = relationship(back_populates="evidence")


class EvidenceLink(UUIDPk, Timestamps, Base):
    """One camera's evidence chain: each candidate's manifest hash, chained to the one before."""

    __tablename__ = "evidence_links"
    __table_args__ = (UniqueConstraint("camera_id", "seq", name="camera_seq"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violation_candidates.id"), unique=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64))


class EvidenceHead(Base):
    """A camera chain's tip: appends continue from it, so removing the newest links shows as a gap
    between the head and the last link (as ``audit_head`` does for the audit chain)."""

    __tablename__ = "evidence_heads"

    camera_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    link_hash: Mapped[str] = mapped_column(String(64))


class PrivacyCopy(UUIDPk, Timestamps, Base):
    """A citizen-facing copy of one evidence file, every face and every other vehicle's plate blurred
    (penalties/candidates/privacy.py), or the privacy manifest listing them (kind ``manifest``).
    Derived, not evidence: the package's manifest, its EvidenceItem rows and its chain stay as they were."""

    __tablename__ = "privacy_copies"
    __table_args__ = (
        UniqueConstraint("candidate_id", "name"),
        CheckConstraint("size_bytes >= 0", name="size_nonnegative"),
    )

    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violation_candidates.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[EvidenceKind] = enum_column(EvidenceKind)
    source_sha256: Mapped[str] = mapped_column(String(64))  # the original (for the manifest: the package's)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    regions: Mapped[int] = mapped_column(Integer, default=0)  # areas blurred (all frames of a clip)
