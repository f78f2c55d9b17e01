"""The citizen's answers to a notice: a signed acknowledgement, a named driver, a dispute."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from penalties.notices.models import Notice


class Acknowledgement(UUIDPk, Timestamps, Base):
    """The liable citizen confirmed the violation: the canonical document they confirmed, and the
    server's Ed25519 signature over it (bound to their VNeID session and assurance level)."""

    __tablename__ = "notice_acknowledgements"

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), unique=True)
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String(200))  # base64url, no padding
    key_id: Mapped[str] = mapped_column(String(32))
    algorithm: Mapped[str] = mapped_column(String(20), default="Ed25519")
    signed_at: Mapped[datetime]


class NominationStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"
    expired = "expired"


class Nomination(UUIDPk, Timestamps, Base):
    """The owner named another citizen as the driver (ND 168/2024 Art. 47(6)–(8))."""

    __tablename__ = "driver_nominations"

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), index=True)
    owner_cccd: Mapped[str] = mapped_column(String(12))
    driver_cccd: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[NominationStatus] = enum_column(
        NominationStatus, default=NominationStatus.pending, index=True
    )
    answer_by: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship()


class DisputeStatus(StrEnum):
    open = "open"
    upheld = "upheld"  # the notice stands
    cancelled = "cancelled"  # the notice is cancelled
    amended = "amended"  # the notice stands at another amount


class Dispute(UUIDPk, Timestamps, Base):
    """The citizen's explanation or complaint (giải trình); the notice's clocks stop while it is open."""

    __tablename__ = "notice_disputes"

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), index=True)
    cccd: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[DisputeStatus] = enum_column(DisputeStatus, default=DisputeStatus.open, index=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(1000))
    amount_before_vnd: Mapped[int | None] = mapped_column(BigInteger)
    amount_after_vnd: Mapped[int | None] = mapped_column(BigInteger)

    notice: Mapped[Notice] = relationship()
    attachments: Mapped[list[DisputeAttachment]] = relationship(
        back_populates="dispute", order_by="DisputeAttachment.position"
    )


class DisputeAttachment(UUIDPk, Timestamps, Base):
    """A file the citizen attached, as re-encoded by us, in the evidence store."""

    __tablename__ = "notice_dispute_attachments"

    dispute_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notice_disputes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)

    dispute: Mapped[Dispute] = relationship(back_populates="attachments")
