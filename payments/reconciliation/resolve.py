"""The staff's resolve actions on a mismatch: attach (a success we missed pays the decision), refund
(money taken twice goes back through the gateway), write off (closed with a note). Each refuses what
makes no sense, is audited with the staff member as actor, and only flushes: a refused action raises,
and the request rolls everything back."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.time import utc_now
from payments import service as payments
from payments.gateways.base import CallbackEvent, Gateway, Outcome
from payments.models import Payment, PaymentStatus
from payments.reconciliation.exceptions import MismatchNotFound, NoteRequired, ResolutionRefused
from payments.reconciliation.models import Mismatch, MismatchKind, MismatchStatus, Resolution
from payments.reconciliation.service import NOT_PAID_HERE
from penalties.decisions.models import DecisionStatus

# missing_here too: the decision may have been paid by another payment since the run found it
REFUNDABLE = (MismatchKind.paid_twice, MismatchKind.missing_here)


def _open(session: Session, mismatch_id: uuid.UUID) -> Mismatch:
    mismatch = session.scalar(select(Mismatch).where(Mismatch.id == mismatch_id).with_for_update())
    if mismatch is None:
        raise MismatchNotFound(f"no mismatch {mismatch_id}")
    if mismatch.status is not MismatchStatus.open:
        raise ResolutionRefused(f"this mismatch was already resolved ({mismatch.resolution})")
    return mismatch


def _payment(session: Session, mismatch: Mismatch, action: str) -> Payment:
    if mismatch.payment_id is None:
        raise ResolutionRefused(
            f"no payment of ours has gateway reference {mismatch.gateway_ref}: nothing to {action}; "
            "settle it at the gateway, then write it off"
        )
    payment = session.scalar(select(Payment).where(Payment.id == mismatch.payment_id).with_for_update())
    assert payment is not None  # a foreign key
    return payment


def _record_gateway_success(session: Session, mismatch: Mismatch, payment: Payment) -> None:
    """Apply the success the gateway reported (and we missed) to our payment, as a verified event."""
    event = CallbackEvent(
        event_id=f"reconciliation:{mismatch.id}",
        gateway_ref=mismatch.gateway_ref,
        reference=payment.reference,
        outcome=Outcome.succeeded,
        amount_vnd=mismatch.gateway_amount_vnd or 0,
        currency=payment.currency,
        occurred_at=None,
        raw={"source": "reconciliation", "mismatch": str(mismatch.id)},
        transaction_no=mismatch.transaction_no,
    )
    result = payments.apply_event(session, payment.gateway, event)
    if result is payments.Applied.amount_mismatch:
        raise ResolutionRefused(
            f"the gateway took {mismatch.gateway_amount_vnd} VND, the payment is {payment.amount_vnd} VND"
        )
    session.refresh(payment)


def _close(
    session: Session, mismatch: Mismatch, resolution: Resolution, *, actor: str, note: str | None
) -> None:
    mismatch.status, mismatch.resolution = MismatchStatus.resolved, resolution
    mismatch.resolved_by, mismatch.resolved_at, mismatch.note = actor, utc_now(), note or None
    session.flush()


def _audit(session: Session, mismatch: Mismatch, actor: str, **detail: object) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"payment_mismatch.{mismatch.resolution}",
        object_type="payment_mismatch",
        object_id=mismatch.id,
        detail={
            "kind": str(mismatch.kind),
            "gateway": mismatch.gateway,
            "gateway_ref": mismatch.gateway_ref,
            "payment": str(mismatch.payment_id) if mismatch.payment_id else None,
            "note": mismatch.note,
            **detail,
        },
    )


def attach(session: Session, mismatch_id: uuid.UUID, *, actor: str, note: str = "") -> Mismatch:
    """A gateway success we missed (a lost IPN): our payment becomes succeeded, the settle job pays the
    decision. Refused when the decision is no longer payable (already paid: refund instead)."""
    mismatch = _open(session, mismatch_id)
    if mismatch.kind is not MismatchKind.missing_here:
        raise ResolutionRefused(f"only money the gateway took and we missed is attached, not {mismatch.kind}")
    payment = _payment(session, mismatch, "attach")
    if payment.status not in NOT_PAID_HERE:
        raise ResolutionRefused(f"the payment is already {payment.status}")
    decision = payment.decision
    if decision.status is not DecisionStatus.issued or payments.paid_payment(session, decision.id):
        raise ResolutionRefused(
            f"decision {decision.number} is {decision.status}: the money cannot pay it; refund it"
        )
    _record_gateway_success(session, mismatch, payment)
    if payment.status is not PaymentStatus.succeeded:
        raise ResolutionRefused(f"the payment became {payment.status}, not succeeded")
    _close(session, mismatch, Resolution.attach, actor=actor, note=note)
    _audit(session, mismatch, actor, amount_vnd=payment.amount_vnd, decision=decision.number)
    return mismatch


def refund(
    session: Session,
    mismatch_id: uuid.UUID,
    *,
    actor: str,
    note: str = "",
    gateway: Gateway | None = None,
) -> Mismatch:
    """Give back money taken for a decision already paid by another payment (what is left of it). A
    success we never recorded is recorded first: it becomes ``needs_refund``, the decision keeps its
    payment."""
    mismatch = _open(session, mismatch_id)
    if mismatch.kind not in REFUNDABLE:
        raise ResolutionRefused(f"only money taken twice is refunded here, not {mismatch.kind}")
    payment = _payment(session, mismatch, "refund")
    if payment.status in NOT_PAID_HERE and mismatch.gateway_amount_vnd is not None:
        _record_gateway_success(session, mismatch, payment)
    if payment.status is not PaymentStatus.needs_refund:
        raise ResolutionRefused(
            f"the payment is {payment.status}, not money taken twice: nothing to refund here"
            + (" (attach it instead)" if payment.status is PaymentStatus.succeeded else "")
        )
    made = payments.refund_payment(
        session,
        payment,
        payment.amount_vnd - payment.refunded_vnd,
        reason=f"paid twice (reconciliation {mismatch.day.isoformat()})" + (f": {note}" if note else ""),
        actor=actor,
        gateway=gateway,
    )
    if payment.status is not PaymentStatus.refunded:
        raise ResolutionRefused(f"the gateway did not refund it (refund {made.status})")
    _close(session, mismatch, Resolution.refund, actor=actor, note=note)
    _audit(session, mismatch, actor, refund=str(made.id), amount_vnd=made.amount_vnd)
    return mismatch


def write_off(session: Session, mismatch_id: uuid.UUID, *, actor: str, note: str) -> Mismatch:
    """Close a mismatch without a money movement in tvp; the note says why (required)."""
    note = note.strip()
    if len(note) < 5:
        raise NoteRequired("a write-off needs a note saying why (5 characters at least)")
    mismatch = _open(session, mismatch_id)
    _close(session, mismatch, Resolution.write_off, actor=actor, note=note[:1000])
    _audit(session, mismatch, actor)
    return mismatch
