"""Payments of sanction decisions (integer VND): one attempt = one row with a unique idempotency key, a
decision paid at most once (a partial unique index), every raw gateway event kept once under
(gateway, event id), and refunds. The gateway's references are kept for reconciliation."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from core.time import utc_now
from penalties.decisions.models import Decision


class PaymentStatus(StrEnum):
    pending = "pending"  # sent to the gateway, no verified outcome yet
    succeeded = "succeeded"  # the money is ours: the decision is settled by it
    failed = "failed"
    canceled = "canceled"  # the citizen cancelled at the gateway
    refunded = "refunded"  # refunded in full (a partial refund leaves it succeeded)
    needs_refund = "needs_refund"  # the gateway took money for a decision already paid by another attempt


OPEN = frozenset({PaymentStatus.pending})
SUCCEEDED = "status = 'succeeded'"


class Payment(UUIDPk, Timestamps, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("currency = 'VND'", name="currency_vnd"),
        CheckConstraint("refunded_vnd >= 0 AND refunded_vnd <= amount_vnd", name="refund_within_amount"),
        UniqueConstraint("gateway", "gateway_ref", name="uq_payments_gateway_ref"),
        # A decision is paid once: a DATABASE rule, on SQLite and PostgreSQL alike.
        Index(
            "uq_payments_decision_succeeded",
            "decision_id",
            unique=True,
            sqlite_where=text(SUCCEEDED),
            postgresql_where=text(SUCCEEDED),
        ),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # VNPay vnp_TxnRef, Stripe metadata
    amount_vnd: Mapped[int] = mapped_column(BigInteger)  # the decision's amount + the late charge that day
    late_charge_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    gateway: Mapped[str] = mapped_column(String(30))
    gateway_ref: Mapped[str | None] = mapped_column(String(100))
    gateway_txn_no: Mapped[str | None] = mapped_column(String(100))  # VNPay vnp_TransactionNo, charge id
    redirect_url: Mapped[str | None] = mapped_column(String(4000))
    status: Mapped[PaymentStatus] = enum_column(PaymentStatus, default=PaymentStatus.pending, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(index=True)
    settled_at: Mapped[datetime | None]  # the decision, its notices and the warnings updated
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    refunded_vnd: Mapped[int] = mapped_column(BigInteger, default=0)

    decision: Mapped[Decision] = relationship()


class PaymentEvent(UUIDPk, Base):
    """A verified callback (or status query) exactly as the gateway sent it, stored once."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("gateway", "event_id", name="uq_payment_events_gateway_event"),)

    gateway: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[str] = mapped_column(String(200))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    applied: Mapped[bool] = mapped_column(default=False)  # whether it changed the payment
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utc_now)


class RefundStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class Refund(UUIDPk, Timestamps, Base):
    __tablename__ = "payment_refunds"
    __table_args__ = (CheckConstraint("amount_vnd > 0", name="amount_positive"),)

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[RefundStatus] = enum_column(RefundStatus, default=RefundStatus.pending)
    gateway_ref: Mapped[str | None] = mapped_column(String(100))
