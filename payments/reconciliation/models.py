"""Daily reconciliation of each gateway against our payments: a run per (gateway, Vietnam day) and the
mismatches it found, each kept once under (gateway, kind, gateway ref) so a rerun finds it again rather
than adding it twice, until staff resolve it (refund, attach, write off) by an audited action."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from core.time import utc_now
from payments.models import Payment


class RunStatus(StrEnum):
    running = "running"
    done = "done"
    partial = "partial"  # some attempts could not be asked about (gateway timeouts): rerun the day
    failed = "failed"  # the gateway's report could not be had at all


class MismatchKind(StrEnum):
    missing_here = "missing_here"  # the gateway took the money, we do not record it as paid
    missing_at_gateway = "missing_at_gateway"  # we record it paid, the gateway has no such payment
    amount_differs = "amount_differs"
    paid_twice = "paid_twice"  # a second payment for a decision already paid


class MismatchStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class Resolution(StrEnum):
    refund = "refund"  # the extra money given back through the gateway
    attach = "attach"  # the gateway's success applied to our payment (it settles the decision)
    write_off = "write_off"  # closed with a note (handled outside tvp, or not a real difference)


class ReconciliationRun(UUIDPk, Base):
    __tablename__ = "payment_reconciliation_runs"
    __table_args__ = (Index("ix_payment_reconciliation_runs_gateway_day", "gateway", "day"),)

    gateway: Mapped[str] = mapped_column(String(30))
    day: Mapped[date]  # the Vietnam day compared
    started_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = enum_column(RunStatus, default=RunStatus.running)
    gateway_lines: Mapped[int] = mapped_column(default=0)
    our_payments: Mapped[int] = mapped_column(default=0)
    found: Mapped[int] = mapped_column(default=0)  # mismatches new in this run
    seen_again: Mapped[int] = mapped_column(default=0)  # mismatches an earlier run already listed
    unchecked: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))


class Mismatch(UUIDPk, Timestamps, Base):
    __tablename__ = "payment_mismatches"
    __table_args__ = (
        UniqueConstraint("gateway", "kind", "gateway_ref", name="uq_payment_mismatches_gateway_kind_ref"),
        CheckConstraint("(status = 'open') = (resolution IS NULL)", name="resolved_iff_resolution"),
        CheckConstraint(
            "resolution IS NULL OR resolution != 'write_off' OR note IS NOT NULL", name="write_off_note"
        ),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_reconciliation_runs.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(30))
    day: Mapped[date]
    kind: Mapped[MismatchKind] = enum_column(MismatchKind)
    gateway_ref: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(40))
    transaction_no: Mapped[str | None] = mapped_column(String(100))
    gateway_outcome: Mapped[str | None] = mapped_column(String(20))
    gateway_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)  # None: the gateway has nothing
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), index=True)
    our_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)  # None: no payment of ours
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    status: Mapped[MismatchStatus] = enum_column(MismatchStatus, default=MismatchStatus.open, index=True)
    resolution: Mapped[Resolution | None] = enum_column(Resolution, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(1000))

    payment: Mapped[Payment | None] = relationship()
    run: Mapped[ReconciliationRun] = relationship()
