"""Payments of notices (first cut): integer VND, one row per gateway transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamps, UUIDPk, enum_column


class PaymentStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    expired = "expired"
    refunded = "refunded"


class Payment(UUIDPk, Timestamps, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("currency = 'VND'", name="currency_vnd"),
        UniqueConstraint("gateway", "gateway_ref", name="uq_payments_gateway_ref"),
    )

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    gateway: Mapped[str] = mapped_column(String(30))
    gateway_ref: Mapped[str] = mapped_column(String(100))
    status: Mapped[PaymentStatus] = enum_column(PaymentStatus, default=PaymentStatus.pending, index=True)
    paid_at: Mapped[datetime | None]
