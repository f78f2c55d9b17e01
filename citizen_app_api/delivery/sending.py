"""Sending one delivery: claim its outbox row, call the channel, record the attempt — in one transaction.

The claim is an UPDATE of the due row, so the row stays locked while the request is in flight: a
second worker skips it, and a worker that dies before recording rolls the claim back with it, so the
delivery is still due and is sent again with the same ``webhook-id`` (receivers dedupe on it).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from citizen_app_api.delivery.channels import SendResult, channel_for
from citizen_app_api.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint, EndpointKind
from citizen_app_api.delivery.service import SEND_TASK, disable_endpoint, mark_received
from core.config import get_settings
from core.jobs import enqueue
from core.time import utc_now

logger = logging.getLogger(__name__)
# Still to be sent (pending), or pushed without the app's receipt yet (sent: pushed again later).
AWAITING = (DeliveryStatus.pending, DeliveryStatus.sent)


def backoff_delay(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^(attempts-1))]."""
    ceiling = min(cap, base * 2 ** max(0, min(attempts - 1, 60)))
    return (rng or random).uniform(0, ceiling)


def claim(session: Session, delivery_id: str, now: datetime) -> Delivery | None:
    claimed = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status.in_(AWAITING),
            Delivery.next_attempt_at <= now,
            Delivery.attempts < get_settings().delivery_max_attempts,
        )
        .values(attempts=Delivery.attempts + 1, updated_at=now)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        return None
    return session.get(Delivery, delivery_id, populate_existing=True)


def send_delivery(session: Session, delivery_id: str) -> str:
    """Send ``delivery_id`` if it is due; returns what happened (for logs and tests)."""
    delivery = claim(session, delivery_id, utc_now())
    if delivery is None:
        return "skipped"
    endpoint = session.get(Endpoint, delivery.endpoint_id)
    if endpoint is None or endpoint.disabled_at is not None:
        delivery.status = DeliveryStatus.disabled
        return "disabled"
    result = channel_for(endpoint).send(endpoint, delivery)
    return record_attempt(session, delivery, endpoint, result)


def record_attempt(session: Session, delivery: Delivery, endpoint: Endpoint, result: SendResult) -> str:
    now = utc_now()
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            http_status=result.http_status,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    settings = get_settings()
    if result.ok:
        delivery.sent_at = delivery.sent_at or now
        if endpoint.kind is EndpointKind.webhook:  # the app backend's 2xx is its receipt
            mark_received(session, delivery, actor=f"citizen-app:{endpoint.id}")
            outcome = "confirmed"
        else:  # the push service took it; the app confirms with POST /deliveries/{id}/receipt,
            delivery.status = DeliveryStatus.sent  # until then it is pushed again (same Topic: replaces)
            outcome = "sent"
            if delivery.attempts < settings.delivery_max_attempts:
                _schedule_retry(session, delivery, now)
    elif result.gone:
        disable_endpoint(session, endpoint, f"gone: HTTP {result.http_status}")
        delivery.status = DeliveryStatus.disabled
        outcome = "disabled"
    elif delivery.attempts >= settings.delivery_max_attempts:
        # A push already accepted stays "sent"; one never accepted has failed.
        delivery.status = DeliveryStatus.sent if delivery.sent_at else DeliveryStatus.failed
        outcome = "failed"
    else:
        _schedule_retry(session, delivery, now)
        outcome = "retry"
    session.flush()
    logger.info(
        "delivery %s attempt %d: %s (%s)", delivery.id, delivery.attempts, outcome, result.http_status
    )
    return outcome


def _schedule_retry(session: Session, delivery: Delivery, now: datetime) -> None:
    settings = get_settings()
    delay = backoff_delay(
        delivery.attempts, base=settings.delivery_backoff_base_s, cap=settings.delivery_backoff_cap_s
    )
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    enqueue(
        session,
        SEND_TASK,
        {"delivery_id": delivery.id},
        key=f"send:{delivery.id}:{delivery.attempts}",
        run_after=delivery.next_attempt_at,
    )


def overdue(session: Session, now: datetime, grace: timedelta, limit: int = 500) -> list[str]:
    """Deliveries well past their time: their job was lost (the sweeper sends them again)."""
    return list(
        session.scalars(
            select(Delivery.id)
            .where(
                Delivery.status.in_(AWAITING),
                Delivery.next_attempt_at <= now - grace,
                Delivery.attempts < get_settings().delivery_max_attempts,
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        )
    )
