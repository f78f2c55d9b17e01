"""Penalty notices and the vehicle warnings of unanswered ones."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from penalties.candidates.models import ViolationCandidate


class NoticeStatus(StrEnum):
    issued = "issued"
    delivered = "delivered"
    acknowledged = "acknowledged"
    decided = "decided"  # a sanction decision covers it: answers are closed, the decision is paid
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
    issued_at: Mapped[datetime] = mapped_column(index=True)
    due_date: Mapped[date] = mapped_column(Date)
    # The notice document (PDF) as issued, in the evidence store: served as it was, never re-rendered.
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # The driver the owner named, once that citizen accepted: the notice is theirs from then on.
    driver_cccd: Mapped[str | None] = mapped_column(String(12), index=True)
    # First confirmed receipt by the citizen's app or the citizen (None: not confirmed yet).
    received_at: Mapped[datetime | None]

    candidate: Mapped[ViolationCandidate] = relationship()


class VehicleWarning(UUIDPk, Timestamps, Base):
    """A warning sent to the registration and inspection authorities: a notice went unanswered for 20
    days (TT 73/2024 Art. 24(5)). Lifted once the notice is resolved (Art. 24(4))."""

    __tablename__ = "vehicle_warnings"

    plate: Mapped[str] = mapped_column(String(12), index=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None]


class UnnamedOffence(UUIDPk, Timestamps, Base):
    """A confirmed offence of a person the vehicle registry cannot name (a motorbike's passenger
    without a helmet, ND 168/2024 Art. 12(5)(b)): recorded with its assessment, no notice sent. The
    owner's notices cover the rider's offences only; this one waits for the person to be identified
    (at a roadside stop, or by the owner naming them)."""

    __tablename__ = "unnamed_offences"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("violation_candidates.id"), unique=True)
    violation_code: Mapped[str] = mapped_column(String(40))
    person: Mapped[str] = mapped_column(String(40))  # the fine category: "motorbike_passenger"
    law: Mapped[str] = mapped_column(String(120))
    legal_basis: Mapped[str] = mapped_column(String(200))
    fine_min_vnd: Mapped[int] = mapped_column(BigInteger)
    fine_max_vnd: Mapped[int] = mapped_column(BigInteger)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]

    candidate: Mapped[ViolationCandidate] = relationship()
