"""Cameras, violation candidates with their evidence, and penalty notices (first cut)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column


class Camera(UUIDPk, Timestamps, Base):
    __tablename__ = "cameras"
    __table_args__ = (CheckConstraint("speed_limit_kmh > 0 AND speed_limit_kmh <= 150", name="speed_limit"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    road: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    speed_limit_kmh: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)


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

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id"), index=True)
    detected_at: Mapped[datetime] = mapped_column(index=True)
    violation_code: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str | None] = mapped_column(String(12), index=True)  # compact form
    plate_confidence: Mapped[float | None] = mapped_column(Float)
    vehicle_class: Mapped[str | None] = mapped_column(String(20))
    measured: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[CandidateStatus] = enum_column(
        CandidateStatus, default=CandidateStatus.pending_review, index=True
    )
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claim_expires_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None]
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


class NoticeStatus(StrEnum):
    issued = "issued"
    delivered = "delivered"
    acknowledged = "acknowledged"
    paid = "paid"
    nominated_driver = "nominated_driver"
    disputed = "disputed"
    cancelled = "cancelled"
    overdue = "overdue"
    escalated = "escalated"


class Notice(UUIDPk, Timestamps, Base):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("points >= 0 AND points <= 12", name="points_range"),
    )

    number: Mapped[str] = mapped_column(String(40), unique=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violation_candidates.id"), unique=True)
    owner_cccd: Mapped[str] = mapped_column(String(12), index=True)
    owner_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    violation_code: Mapped[str] = mapped_column(String(40))
    legal_basis: Mapped[str] = mapped_column(String(200))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[NoticeStatus] = enum_column(NoticeStatus, default=NoticeStatus.issued, index=True)
    issued_at: Mapped[datetime]
    due_date: Mapped[date] = mapped_column(Date)

    candidate: Mapped[ViolationCandidate] = relationship()


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


class RunKind(StrEnum):
    process = "process"  # footage in, candidates out
    replay = "replay"  # footage in, results compared; no candidates
    live = "live"  # a stream, as a worker


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    interrupted = "interrupted"


class ProcessingRun(UUIDPk, Timestamps, Base):
    """One pass of footage (or a stream) through the pipeline: what went in, what came out, and where
    to resume from."""

    __tablename__ = "processing_runs"

    kind: Mapped[RunKind] = enum_column(RunKind)
    status: Mapped[RunStatus] = enum_column(RunStatus, default=RunStatus.running, index=True)
    camera_code: Mapped[str] = mapped_column(String(40), index=True)
    camera_version: Mapped[int] = mapped_column(Integer)
    config_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    footage_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    models: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    frames_done: Mapped[int] = mapped_column(Integer, default=0)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    candidates_created: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class VehicleWarning(UUIDPk, Timestamps, Base):
    """A warning sent to the registration and inspection authorities: a notice went unanswered for 20
    days (TT 73/2024 Art. 24(5)). Lifted once the notice is resolved (Art. 24(4))."""

    __tablename__ = "vehicle_warnings"

    plate: Mapped[str] = mapped_column(String(12), index=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None]
