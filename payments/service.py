"""Paying a sanction decision: one attempt per (decision, amount, day), a verified gateway event applied
exactly once, the settlement (decision and notices paid, warnings lifted, receipt, push) as a job in the
same transaction, status queries and refunds. Services only flush: the request or the job commits."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.jobs import enqueue
from core.time import to_local, utc_now, vn_today
from payments.exceptions import DecisionNotPayable, GatewayUnavailable, PaymentNotFound, RefundRefused
from payments.gateways import fake as _fake  # noqa: F401 (registers the test gateway)
from payments.gateways import stripe as _stripe  # noqa: F401 (registers the Stripe adapter)
from payments.gateways.base import CallbackEvent, CreateRequest, Gateway, GatewayError, Outcome
from payments.gateways.vnpay import VNPay
from payments.models import Payment, PaymentEvent, PaymentStatus, Refund, RefundStatus
from penalties.decisions.models import Decision, DecisionStatus
from penalties.decisions.service import mark_paid
from penalties.law.assessment import late_charge
from penalties.notices.models import VehicleWarning
from penalties.notices.notify import notify_citizen

logger = logging.getLogger(__name__)
SETTLE_TASK = "payments.settle"
PAID = (PaymentStatus.succeeded, PaymentStatus.refunded, PaymentStatus.needs_refund)


class Applied(StrEnum):
    """What a verified event did (the IPN answer follows from it)."""

    applied = "applied"
    duplicate = "duplicate"  # seen before, or the payment was already final
    not_found = "not_found"
    amount_mismatch = "amount_mismatch"


def gateway_for(name: str | None = None) -> Gateway:
    settings = get_settings()
    return Gateway.by_name(name or settings.payment_gateway).from_settings(settings)


def amount_due(decision: Decision, today: date) -> tuple[int, int]:
    """(amount due today, of which late charge): 0.05 %/day after the due date, integer VND."""
    late = late_charge(decision.amount_vnd, decision.due_date, today) if decision.due_date else 0
    return decision.amount_vnd + late, late


def _paid_by(session: Session, decision_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(Payment.id).where(
            Payment.decision_id == decision_id, Payment.status == PaymentStatus.succeeded
        )
    )


def paid_payment(session: Session, decision_id: uuid.UUID) -> Payment | None:
    """The succeeded payment of this decision, if any (at most one: a second one would be refused)."""
    paid_id = _paid_by(session, decision_id)
    return session.get(Payment, paid_id) if paid_id is not None else None


@dataclass(frozen=True)
class Checkout:
    """An open attempt and what the citizen's app needs to pay it: the gateway's page
    (``payment.redirect_url``, VNPay) or the client secret to confirm it in the app (Stripe.js), and
    where the gateway sends the browser back (display only)."""

    payment: Payment
    client_secret: str | None
    return_url: str


def create_payment(
    session: Session,
    decision: Decision,
    *,
    actor: str,
    client_ip: str = "127.0.0.1",
    gateway: Gateway | None = None,
) -> Payment:
    """The open attempt for the amount due today; a double click (or two at once) gets the same one."""
    return start_payment(session, decision, actor=actor, client_ip=client_ip, gateway=gateway).payment


def start_payment(
    session: Session,
    decision: Decision,
    *,
    actor: str,
    client_ip: str = "127.0.0.1",
    gateway: Gateway | None = None,
) -> Checkout:
    """create_payment, with what the app needs to pay it (a second click asks the gateway again for the
    client secret: it is never stored)."""
    if decision.status is not DecisionStatus.issued or _paid_by(session, decision.id) is not None:
        raise DecisionNotPayable(f"decision {decision.number} is {decision.status}: nothing to pay")
    gw = gateway or gateway_for()
    today = vn_today()
    amount, late = amount_due(decision, today)
    prefix = f"{decision.id}:{amount}:{today.isoformat()}:"
    closed = session.scalar(
        select(func.count()).where(
            # decision_id first: a LIKE on the key alone cannot use an index (a scan of every payment)
            Payment.decision_id == decision.id,
            Payment.idempotency_key.startswith(prefix),
            Payment.status != PaymentStatus.pending,
        )
    )
    key = f"{prefix}{closed or 0}"
    existing = session.scalar(select(Payment).where(Payment.idempotency_key == key))
    if existing is not None:
        return _checkout(existing, gw)
    payment_id = uuid.uuid4()
    payment = Payment(
        id=payment_id,
        decision_id=decision.id,
        idempotency_key=key,
        reference=payment_id.hex[:20].upper(),
        amount_vnd=amount,
        late_charge_vnd=late,
        currency="VND",
        gateway=gw.name,
        status=PaymentStatus.pending,
        refunded_vnd=0,
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        # Another request made this very attempt first (it has committed by now): that one.
        found = session.scalar(select(Payment).where(Payment.idempotency_key == key))
        if found is None:
            raise
        return _checkout(found, gw)
    try:
        created = gw.create(
            CreateRequest(
                idempotency_key=key,
                reference=payment.reference,
                amount_vnd=amount,
                description=f"Nop phat QD {decision.number}",
                return_url=_return_url(gw.return_path),
                client_ip=client_ip,
            )
        )
    except GatewayError as exc:
        raise GatewayUnavailable(str(exc)) from exc
    payment.gateway_ref, payment.redirect_url = created.gateway_ref, created.redirect_url
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="payment.create",
        object_type="payment",
        object_id=payment.id,
        detail={
            "decision": decision.number,
            "amount_vnd": amount,
            "late_charge_vnd": late,
            "gateway": gw.name,
        },
    )
    return Checkout(payment, created.client_secret, _return_url(gw.return_path))


def _return_url(path: str) -> str:
    return get_settings().citizen_api_base_url.rstrip("/") + path


def _checkout(payment: Payment, gw: Gateway) -> Checkout:
    """The attempt made earlier (a second click): its gateway is asked again for the client secret."""
    own = gw if payment.gateway == gw.name else gateway_for(payment.gateway)  # the setting changed since
    secret = None
    if payment.gateway_ref and payment.status is PaymentStatus.pending:
        try:
            secret = own.client_secret(payment.gateway_ref)
        except GatewayError as exc:
            raise GatewayUnavailable(str(exc)) from exc
    return Checkout(payment, secret, _return_url(own.return_path))


def payment_for_citizen(session: Session, payment_id: uuid.UUID, cccd: str, *, purpose: str) -> Payment:
    """The payment if it pays this citizen's decision (the read audited), else 404 as for a missing id."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.decision.cccd != cccd:
        raise PaymentNotFound(f"no payment {payment_id}")
    audit.record_read(
        session,
        actor=f"citizen:{cccd}",
        object_type="payment",
        object_id=payment.id,
        purpose=f"citizen app: {purpose}",
        owner_cccd=cccd,
    )
    return payment


def find_payment(session: Session, gateway: str, ref: str, *, lock: bool = False) -> Payment | None:
    query = select(Payment).where(Payment.gateway == gateway, Payment.gateway_ref == ref)
    return session.scalar(query.with_for_update() if lock else query)


def apply_event(
    session: Session, gateway: str, event: CallbackEvent, *, now: datetime | None = None
) -> Applied:
    """Apply a VERIFIED event once: the raw event stored under (gateway, event id), a success never
    overridden by a late failure, the amount and currency checked against the payment."""
    payment = find_payment(session, gateway, event.gateway_ref, lock=True)
    if payment is None:
        return Applied.not_found
    if not _amount_matches(payment, event):
        logger.warning(
            "payment %s: %s event for %s %s refused", payment.id, gateway, event.amount_vnd, event.currency
        )
        return Applied.amount_mismatch
    stored = PaymentEvent(
        gateway=gateway,
        event_id=event.event_id[:200],
        payment_id=payment.id,
        outcome=str(event.outcome),
        amount_vnd=event.amount_vnd,
        payload=dict(event.raw),
    )
    try:
        with session.begin_nested():
            session.add(stored)
            session.flush()
    except IntegrityError:
        return Applied.duplicate
    stored.applied = _apply_outcome(session, payment, event, now or utc_now())
    session.flush()
    return Applied.applied if stored.applied else Applied.duplicate


def _amount_matches(payment: Payment, event: CallbackEvent) -> bool:
    """The event's currency (any case: Stripe writes "vnd") and amount are the payment's. A refund event
    carries the amount refunded so far: at most the payment's."""
    if event.currency.upper() != payment.currency:
        return False
    if event.outcome is Outcome.refunded:
        return 0 < event.amount_vnd <= payment.amount_vnd
    return event.amount_vnd == payment.amount_vnd


def _apply_outcome(session: Session, payment: Payment, event: CallbackEvent, now: datetime) -> bool:
    if event.outcome is Outcome.succeeded:
        if payment.status in PAID:
            return False
        txn_no = event.transaction_no
        if payment.decision.status is DecisionStatus.cancelled:
            # Money for a decision cancelled while the citizen was paying: it goes back (reconciliation).
            payment.status, payment.paid_at, payment.gateway_txn_no = PaymentStatus.needs_refund, now, txn_no
            session.flush()
            _audit(session, payment, "payment.decision_cancelled")
            return True
        try:
            with session.begin_nested():
                session.execute(
                    update(Payment)
                    .where(Payment.id == payment.id)
                    .values(status=PaymentStatus.succeeded, paid_at=now, gateway_txn_no=txn_no)
                )
        except IntegrityError:
            # The decision is already paid by another attempt: this money goes back (reconciliation).
            session.execute(
                update(Payment)
                .where(Payment.id == payment.id)
                .values(status=PaymentStatus.needs_refund, paid_at=now, gateway_txn_no=txn_no)
            )
            session.refresh(payment)
            _audit(session, payment, "payment.paid_twice")
            return True
        session.refresh(payment)
        enqueue(session, SETTLE_TASK, {"payment_id": str(payment.id)}, key=f"{SETTLE_TASK}:{payment.id}")
        _audit(session, payment, "payment.succeeded")
        return True
    if event.outcome is Outcome.refunded:
        # Kept for reconciliation, never applied: our refunds are recorded when we make them; one made
        # at the gateway's dashboard shows up in the daily reconciliation.
        if event.amount_vnd > payment.refunded_vnd:
            logger.info(
                "payment %s: %s VND refunded at %s, %s recorded here",
                payment.id,
                event.amount_vnd,
                payment.gateway,
                payment.refunded_vnd,
            )
        return False
    if event.outcome in (Outcome.failed, Outcome.canceled) and payment.status is PaymentStatus.pending:
        payment.status = PaymentStatus(str(event.outcome))
        _audit(session, payment, f"payment.{event.outcome}")
        return True
    return False


def _audit(session: Session, payment: Payment, action: str, **detail: object) -> None:
    audit.record(
        session,
        actor=f"gateway:{payment.gateway}",
        action=action,
        object_type="payment",
        object_id=payment.id,
        detail={"amount_vnd": payment.amount_vnd, "reference": payment.reference, **detail},
    )


def refresh(session: Session, payment: Payment, *, gateway: Gateway | None = None) -> Payment:
    """Ask the gateway about a pending payment (querydr) and apply its answer as an event."""
    if payment.status is not PaymentStatus.pending or payment.gateway_ref is None:
        return payment
    gw = gateway or gateway_for(payment.gateway)
    try:
        if isinstance(gw, VNPay):
            report = gw.query(payment.gateway_ref, payment.reference, transaction_date=payment.created_at)
        else:
            report = gw.query(payment.gateway_ref, payment.reference)
    except GatewayError as exc:
        raise GatewayUnavailable(f"the gateway did not answer: {exc}") from exc
    if report.outcome is not Outcome.pending:
        event = CallbackEvent(
            event_id=f"query:{payment.gateway_ref}:{report.outcome}",
            gateway_ref=payment.gateway_ref,
            reference=payment.reference,
            outcome=report.outcome,
            amount_vnd=report.amount_vnd,
            currency="VND",
            occurred_at=None,
            raw=dict(report.raw),
            transaction_no=report.transaction_no,
        )
        apply_event(session, payment.gateway, event)
        session.refresh(payment)
    return payment


def receipt_number(payment: Payment, now: datetime) -> str:
    return f"BL-{to_local(now):%Y%m%d}-{payment.reference[:12]}"


def settle(session: Session, payment_id: uuid.UUID, *, now: datetime) -> bool:
    """Once per succeeded payment: the decision and its notices paid, the vehicle warnings lifted, the
    e-receipt numbered, the citizen told. Runs in the settle job's transaction; False if already done."""
    payment = session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if payment is None or payment.settled_at is not None or payment.status is not PaymentStatus.succeeded:
        return False
    decision = payment.decision
    mark_paid(session, decision, actor=f"gateway:{payment.gateway}", now=now)
    notice_ids = [item.notice_id for item in decision.items]
    for warning in session.scalars(
        select(VehicleWarning).where(
            VehicleWarning.notice_id.in_(notice_ids), VehicleWarning.lifted_at.is_(None)
        )
    ):
        warning.lifted_at = now
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="clock.vehicle_warning_lifted",
            object_type="notice",
            object_id=warning.notice_id,
            detail={"plate": warning.plate, "why": "paid"},
        )
    payment.receipt_number = receipt_number(payment, now)
    payment.settled_at = now
    session.flush()
    _audit(session, payment, "payment.settled", receipt=payment.receipt_number)
    notify_citizen(session, decision.cccd, "decision.paid", decision.id)
    return True


def refund_payment(
    session: Session,
    payment: Payment,
    amount_vnd: int,
    *,
    reason: str,
    actor: str,
    gateway: Gateway | None = None,
) -> Refund:
    """Give back ``amount_vnd`` of a settled payment (all of it, or the part a decision was amended
    down by). The same request twice is one refund."""
    if payment.status not in (PaymentStatus.succeeded, PaymentStatus.needs_refund):
        raise RefundRefused(f"payment is {payment.status}: nothing to refund")
    left = payment.amount_vnd - payment.refunded_vnd
    if not 0 < amount_vnd <= left:
        raise RefundRefused(f"a refund must be between 1 and {left} VND")
    key = f"refund:{payment.id}:{payment.refunded_vnd}:{amount_vnd}"
    existing = session.scalar(select(Refund).where(Refund.idempotency_key == key))
    if existing is not None:
        return existing
    refund = Refund(
        payment_id=payment.id,
        idempotency_key=key,
        amount_vnd=amount_vnd,
        reason=reason[:500],
        requested_by=actor,
        status=RefundStatus.pending,
    )
    session.add(refund)
    session.flush()
    gw = gateway or gateway_for(payment.gateway)
    full = amount_vnd == payment.amount_vnd
    try:
        if isinstance(gw, VNPay):
            result = gw.refund(
                payment.gateway_ref or payment.reference,
                amount_vnd,
                idempotency_key=key,
                reason=reason,
                full=full,
                transaction_no=payment.gateway_txn_no or "",
                transaction_date=payment.paid_at,
            )
        else:
            result = gw.refund(payment.gateway_ref or "", amount_vnd, idempotency_key=key, reason=reason)
    except GatewayError as exc:
        raise GatewayUnavailable(f"the gateway did not answer: {exc}") from exc
    refund.gateway_ref = result.refund_ref
    if result.outcome is Outcome.refunded:
        refund.status = RefundStatus.succeeded
        payment.refunded_vnd += amount_vnd
        if payment.refunded_vnd == payment.amount_vnd:
            payment.status = PaymentStatus.refunded
    else:
        refund.status = RefundStatus.failed
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="payment.refund",
        object_type="payment",
        object_id=payment.id,
        detail={"amount_vnd": amount_vnd, "full": full, "status": str(refund.status), "reason": reason},
    )
    return refund


CHECK_AFTER = timedelta(minutes=15)  # VNPay's payment page expires after 15 minutes (vnp_ExpireDate)
CHECK_FOR = timedelta(days=1)


def check_pending(session: Session, now: datetime) -> dict[str, int]:
    """Ask the gateway about attempts still pending after their page expired (an IPN may be lost)."""
    counts = {"checked": 0, "changed": 0, "unreachable": 0}
    rows = session.scalars(
        select(Payment)
        .where(
            Payment.status == PaymentStatus.pending,
            Payment.created_at <= now - CHECK_AFTER,
            Payment.created_at > now - CHECK_FOR,
        )
        .order_by(Payment.created_at)
        .limit(200)
    ).all()
    for payment in rows:
        counts["checked"] += 1
        try:
            refresh(session, payment)
        except GatewayUnavailable as exc:
            logger.warning("payment %s: %s", payment.id, exc)
            counts["unreachable"] += 1
            continue
        counts["changed"] += payment.status is not PaymentStatus.pending
    return counts
