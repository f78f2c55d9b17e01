"""Reconciling Stripe over real HTTP against localstripe: the day's balance transactions against our
payments. A webhook that never came (missing_here, attached), a second card payment for a paid decision
(paid_twice, refunded through Stripe), a payment we record that Stripe never charged (missing_at_gateway)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugins import load_tasks
from core.time import vn_today
from payments import service
from payments.gateways.base import CallbackEvent, Created, CreateRequest, Outcome
from payments.gateways.stripe import StripeGateway
from payments.models import Payment, PaymentStatus
from payments.reconciliation import resolve
from payments.reconciliation import service as reconciliation
from payments.reconciliation.models import Mismatch, MismatchKind, RunStatus
from tests.support.delivery import run_due_jobs
from tests.support.localstripe import TEST_KEY, run_localstripe
from tests.support.payments import a_decision

SECRET = "whsec_" + uuid.uuid4().hex
STAFF = "staff:6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d97"


class CardOnFile(StripeGateway):
    """The Stripe adapter, with the citizen's card attached at creation (what Stripe.js would add)."""

    def create(self, request: CreateRequest) -> Created:
        intent = self.create_intent(request, payment_method="pm_card_visa")
        return Created(intent["id"], None, intent.get("client_secret"))


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with run_localstripe() as url:
        yield url


def confirm(gw: StripeGateway, payment: Payment) -> None:
    """The citizen confirms the card payment at Stripe."""
    assert (
        gw.confirm(payment.gateway_ref or "", idempotency_key=payment.idempotency_key).outcome
        is Outcome.succeeded
    )


def webhook(db: Session, payment: Payment, outcome: Outcome) -> None:
    event = CallbackEvent(
        f"evt_{uuid.uuid4().hex}",
        payment.gateway_ref or "",
        payment.reference,
        outcome,
        payment.amount_vnd,
        "VND",
        None,
    )
    service.apply_event(db, "stripe", event)


def test_stripe_balance_transactions_against_our_payments(localstripe: str, db: Session) -> None:
    load_tasks()
    gw = CardOnFile(TEST_KEY, SECRET, api_base=localstripe)
    lost_webhook = service.create_payment(db, a_decision(db, 9501), actor="test", gateway=gw)
    confirm(gw, lost_webhook)

    second = a_decision(db, 9502)
    earlier_tab = service.create_payment(db, second, actor="test", gateway=gw)
    webhook(db, earlier_tab, Outcome.failed)  # our row says failed (a stale payment_failed)...
    paying = service.create_payment(db, second, actor="test", gateway=gw)
    confirm(gw, paying)
    webhook(db, paying, Outcome.succeeded)
    confirm(gw, earlier_tab)  # ...but the citizen paid that tab too

    never_charged = service.create_payment(db, a_decision(db, 9503), actor="test", gateway=gw)
    webhook(db, never_charged, Outcome.succeeded)  # a forged-looking success we trusted: Stripe says pending
    db.commit()

    stripe = StripeGateway(TEST_KEY, SECRET, api_base=localstripe)
    run = reconciliation.reconcile(db, stripe, vn_today(), actor="system")
    db.commit()
    assert run.status is RunStatus.done and run.gateway_lines >= 3
    found = {(m.kind, m.payment_id): m for m in db.scalars(select(Mismatch))}
    assert set(found) == {
        (MismatchKind.missing_here, lost_webhook.id),
        (MismatchKind.paid_twice, earlier_tab.id),
        (MismatchKind.missing_at_gateway, never_charged.id),
    }

    resolve.attach(db, found[(MismatchKind.missing_here, lost_webhook.id)].id, actor=STAFF)
    resolve.refund(db, found[(MismatchKind.paid_twice, earlier_tab.id)].id, actor=STAFF, gateway=stripe)
    db.commit()
    run_due_jobs(only={service.SETTLE_TASK})
    db.rollback()
    db.expire_all()
    assert db.get(Payment, lost_webhook.id).status is PaymentStatus.succeeded  # type: ignore[union-attr]
    refunded = db.get(Payment, earlier_tab.id)
    assert refunded is not None and refunded.status is PaymentStatus.refunded
    refund_lines = [
        line
        for line in stripe.settlement(vn_today())
        if line.gateway_ref == earlier_tab.gateway_ref and line.outcome is Outcome.refunded
    ]
    assert [line.amount_vnd for line in refund_lines] == [earlier_tab.amount_vnd]  # the money went back

    again = reconciliation.reconcile(db, stripe, vn_today(), actor="system")
    db.commit()
    assert (again.found, again.seen_again) == (0, 1)  # only the never-charged one, still listed once
