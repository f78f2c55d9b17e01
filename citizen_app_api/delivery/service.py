"""Devices (endpoints) of a citizen, the fan-out of an event into the outbox, and receipts."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from citizen_app_api.delivery.addresses import public_host
from citizen_app_api.delivery.events import DECISION_RECEIPT_EVENTS, RECEIPT_EVENTS, build_payload
from citizen_app_api.delivery.exceptions import (
    DeliveryNotFound,
    EndpointNotFound,
    EndpointUrlRejected,
    TooManyEndpoints,
)
from citizen_app_api.delivery.models import Delivery, DeliveryStatus, Endpoint, EndpointKind, new_message_id
from citizen_app_api.delivery.schemas import EndpointCreate
from core import audit
from core.config import Environment, get_settings
from core.jobs import enqueue
from core.time import utc_now
from penalties.decisions import service as decisions
from penalties.decisions.models import Decision
from penalties.notices.models import Notice

SEND_TASK = "citizen_app.send_delivery"
REMOVED = "removed by the citizen"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


MAX_ACTIVE_ENDPOINTS = 10


def check_url(url: str, *, production: bool | None = None) -> None:
    if production is None:
        production = get_settings().env is Environment.production
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise EndpointUrlRejected()
    if parts.scheme == "http" and (production or parts.hostname not in LOCAL_HOSTS):
        raise EndpointUrlRejected()
    if production and not public_host(parts.hostname):
        raise EndpointUrlRejected("the endpoint's host must be a public internet address")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def register_endpoint(session: Session, cccd: str, body: EndpointCreate) -> tuple[Endpoint, str | None]:
    """A new endpoint of the citizen; a webhook's signing secret is returned (once) with it."""
    check_url(body.url)
    active = session.scalar(
        select(func.count())
        .select_from(Endpoint)
        .where(Endpoint.cccd == cccd, Endpoint.disabled_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_ENDPOINTS:
        raise TooManyEndpoints(f"at most {MAX_ACTIVE_ENDPOINTS} devices; remove one first")
    endpoint = Endpoint(cccd=cccd, kind=body.kind, url=body.url, label=body.label)
    if body.kind is EndpointKind.webhook:
        endpoint.secret = new_secret()
    elif body.keys is not None:
        endpoint.p256dh, endpoint.auth = body.keys.p256dh, body.keys.auth
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor=f"citizen:{cccd}",
        action="citizen_endpoint.register",
        object_type="citizen_endpoint",
        object_id=endpoint.id,
        detail={"kind": body.kind.value},
    )
    return endpoint, endpoint.secret


def list_endpoints(session: Session, cccd: str) -> Sequence[Endpoint]:
    return session.scalars(
        select(Endpoint)
        .where(Endpoint.cccd == cccd, Endpoint.disabled_reason.is_distinct_from(REMOVED))
        .order_by(Endpoint.created_at)
    ).all()


def disable_endpoint(session: Session, endpoint: Endpoint, reason: str) -> None:
    """No more deliveries to it: its pending ones are disabled too."""
    endpoint.disabled_at = endpoint.disabled_at or utc_now()
    endpoint.disabled_reason = reason
    session.execute(
        update(Delivery)
        .where(
            Delivery.endpoint_id == endpoint.id,
            Delivery.status.in_((DeliveryStatus.pending, DeliveryStatus.sent)),
        )
        .values(status=DeliveryStatus.disabled, updated_at=utc_now())
    )
    session.flush()


def remove_endpoint(session: Session, cccd: str, endpoint_id: uuid.UUID) -> None:
    endpoint = session.get(Endpoint, endpoint_id)
    if endpoint is None or endpoint.cccd != cccd or endpoint.disabled_reason == REMOVED:
        raise EndpointNotFound()
    disable_endpoint(session, endpoint, REMOVED)
    endpoint.secret = None
    audit.record(
        session,
        actor=f"citizen:{cccd}",
        action="citizen_endpoint.remove",
        object_type="citizen_endpoint",
        object_id=endpoint.id,
    )


def fan_out(session: Session, cccd: str, event: str, object_id: str) -> list[Delivery]:
    """One outbox row per active endpoint of the citizen, and a job to send it, in the caller's
    transaction: once the event is committed, so are its deliveries."""
    now = utc_now()
    made = []
    for endpoint in session.scalars(
        select(Endpoint).where(Endpoint.cccd == cccd, Endpoint.disabled_at.is_(None))
    ):
        exists = session.scalar(
            select(Delivery.id).where(
                Delivery.endpoint_id == endpoint.id, Delivery.event == event, Delivery.object_id == object_id
            )
        )
        if exists is not None:
            continue  # the same event fanned out twice (a repeated job)
        delivery_id = new_message_id()
        delivery = Delivery(
            id=delivery_id,
            cccd=cccd,
            endpoint_id=endpoint.id,
            event=event,
            object_id=object_id,
            payload=build_payload(event, object_id, delivery_id, now),
            status=DeliveryStatus.pending,
            attempts=0,
            next_attempt_at=now,
        )
        session.add(delivery)
        session.flush()
        enqueue(session, SEND_TASK, {"delivery_id": delivery_id}, key=f"send:{delivery_id}:0")
        made.append(delivery)
    return made


def mark_received(session: Session, delivery: Delivery, *, actor: str) -> None:
    """Confirmed receipt: the delivery is done; a notice's first receipt is kept on the notice."""
    now = utc_now()
    delivery.status = DeliveryStatus.confirmed
    delivery.confirmed_at = delivery.confirmed_at or now
    if delivery.event in RECEIPT_EVENTS:
        notice = session.get(Notice, uuid.UUID(delivery.object_id))
        if notice is not None and notice.received_at is None:
            notice.received_at = now
            audit.record(
                session,
                actor=actor,
                action="notice.receipt",
                object_type="notice",
                object_id=notice.id,
                detail={"delivery_id": delivery.id},
            )
    if delivery.event in DECISION_RECEIPT_EVENTS:
        decision = session.get(Decision, uuid.UUID(delivery.object_id))
        if decision is not None:
            decisions.confirm_receipt(session, decision, actor=actor, now=now)
    session.flush()


def confirm_receipt(session: Session, cccd: str, delivery_id: str) -> Delivery:
    """The app confirms it received a push (web push has no answer from the device itself)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.cccd != cccd:
        raise DeliveryNotFound()
    if delivery.status is not DeliveryStatus.confirmed:
        mark_received(session, delivery, actor=f"citizen:{cccd}")
    return delivery
