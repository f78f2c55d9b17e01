"""Citizen endpoints, the delivery outbox, each attempt, and notices flagged for postal delivery."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamps, UUIDPk, enum_column
from core.time import utc_now


class EndpointKind(StrEnum):
    webhook = "webhook"  # the citizen app's backend: signed Standard Webhooks POSTs
    webpush = "webpush"  # a browser's push subscription (VAPID)


class DeliveryStatus(StrEnum):
    pending = "pending"  # in the outbox: sent when next_attempt_at comes
    sent = "sent"  # accepted by the push service, no receipt from the app yet: pushed again later
    confirmed = "confirmed"  # receipt confirmed (a webhook's 2xx, or the app's receipt call)
    failed = "failed"  # out of attempts
    disabled = "disabled"  # its endpoint is gone (404/410) or was removed


def new_message_id() -> str:
    """The outbox row's id, sent as the ``webhook-id`` header: the same on every retry."""
    return f"msg_{secrets.token_hex(12)}"


class Endpoint(UUIDPk, Timestamps, Base):
    __tablename__ = "citizen_endpoints"

    cccd: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[EndpointKind] = enum_column(EndpointKind)
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str | None] = mapped_column(String(100))  # webhooks: whsec_<base64>, shown once
    p256dh: Mapped[str | None] = mapped_column(String(200))  # webpush: the browser's public key
    auth: Mapped[str | None] = mapped_column(String(100))  # webpush: the browser's auth secret
    label: Mapped[str | None] = mapped_column(String(100))
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class Delivery(Timestamps, Base):
    """One event for one endpoint: the outbox row, written in the same transaction as the event."""

    __tablename__ = "citizen_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event", "object_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=new_message_id)
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, default=DeliveryStatus.pending, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]


class DeliveryAttempt(UUIDPk, Base):
    __tablename__ = "citizen_delivery_attempts"

    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("citizen_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utc_now)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


class PostalFlag(UUIDPk, Base):
    """A notice with no confirmed receipt N days after it was published: to be sent by post."""

    __tablename__ = "citizen_postal_flags"

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), unique=True)
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    flagged_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    published_at: Mapped[datetime]
    deliveries: Mapped[int] = mapped_column(Integer, default=0)  # app deliveries tried before
