"""Sanction decisions, the notices each one covers, and the licence points ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from core.time import utc_now
from penalties.notices.models import Notice


class DecisionStatus(StrEnum):
    issued = "issued"
    paid = "paid"
    cancelled = "cancelled"


class LicenceClass(StrEnum):
    """The licence a deduction falls on: cars and the like (class B…), motorbikes (class A…)."""

    car = "car"
    motorbike = "motorbike"


class Decision(UUIDPk, Timestamps, Base):
    """One sanction decision for one liable person; it may cover several notices sanctioned together."""

    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    cccd: Mapped[str] = mapped_column(String(12), index=True)  # the liable person
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    # The deduction per licence class: the largest of the covered violations (ND 168 Art. 50(1)(b)).
    points: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    legal_basis: Mapped[str] = mapped_column(String(2000))
    status: Mapped[DecisionStatus] = enum_column(DecisionStatus, default=DecisionStatus.issued, index=True)
    issued_at: Mapped[datetime] = mapped_column(index=True)
    issued_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # Receipt starts the 10 days to pay (Luật XLVPHC Art. 73(1)); None until it is confirmed.
    delivered_at: Mapped[datetime | None]
    due_date: Mapped[date | None] = mapped_column(Date)
    # The documents as issued, in the evidence store: served as they were, never re-rendered.
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    html_sha256: Mapped[str | None] = mapped_column(String(64))

    items: Mapped[list[DecisionNotice]] = relationship(
        back_populates="decision", order_by="DecisionNotice.position"
    )


class DecisionNotice(Base):
    """A notice a decision covers, with what it weighed in the decision."""

    __tablename__ = "decision_notices"

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    licence_class: Mapped[LicenceClass | None] = enum_column(LicenceClass)

    decision: Mapped[Decision] = relationship(back_populates="items")
    notice: Mapped[Notice] = relationship()


class PointsDeduction(UUIDPk, Base):
    """One row per deduction from a citizen's licence of one class; the balance is computed from these
    rows (penalties.law.points.licence_balance), restoration after 12 months included."""

    __tablename__ = "licence_points"
    __table_args__ = (
        CheckConstraint("points > 0 AND points <= 12", name="points_range"),
        UniqueConstraint("decision_id", "licence_class"),
    )

    cccd: Mapped[str] = mapped_column(String(12), index=True)
    licence_class: Mapped[LicenceClass] = enum_column(LicenceClass)
    points: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[date] = mapped_column(Date)  # Vietnam calendar day the decision took effect
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
