"""The citizen pays a decision with TVP_PAYMENT_GATEWAY=stripe, over real HTTP: `tvp serve` (a process,
its worker settling payments) against localstripe (a process), which delivers signed webhooks to
POST /api/payments/stripe/webhook. The webhook is the source of truth; each event counts once."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import IMMEDIATE, get_engine, session_scope
from core.models import Job, Role
from payments.models import Payment, PaymentEvent, PaymentStatus
from penalties.decisions.models import Decision, DecisionStatus
from penalties.notices.models import Notice, NoticeStatus
from tests.support.factories import staff_headers
from tests.support.localstripe import (
    TEST_KEY,
    delivered_events,
    intent_event,
    pay_with_card,
    post_event,
    run_localstripe,
    signature_header,
    tvp_serve_paying_with_stripe,
)
from tests.support.payments import a_decision as issued_decision
from tests.support.payments import citizen_client, start_payment

SECRET = "whsec_" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with run_localstripe() as url:
        yield url


@pytest.fixture(scope="module")
def tvp(database_url: str, localstripe: str) -> Iterator[str]:
    """One `tvp serve` for the module (it takes seconds to start); each test wipes the database."""
    with tvp_serve_paying_with_stripe(database_url, localstripe, SECRET) as base:
        yield base


@dataclass(frozen=True)
class Seeded:
    id: uuid.UUID
    cccd: str
    number: str
    amount_vnd: int
    notice_ids: list[uuid.UUID]


def a_decision(serial: int, *, notices: int = 1) -> Seeded:
    """An issued decision, written with SQLite's write lock taken up front by every transaction: the
    server's worker writes all the time, and a read-then-write transaction would fail at once when it
    did. The session is closed after: no transaction left holding the lock."""
    with Session(bind=get_engine().execution_options(**{IMMEDIATE: True}), expire_on_commit=False) as s:
        made = issued_decision(s, serial, notices=notices)
        return Seeded(made.id, made.cccd, made.number, made.amount_vnd, [i.notice_id for i in made.items])


def renew(db: Session) -> None:
    db.rollback()
    db.expire_all()


def fresh(db: Session, payment_id: str) -> Payment:
    renew(db)
    found = db.get(Payment, uuid.UUID(payment_id))
    assert found is not None
    return found


def events(db: Session) -> list[PaymentEvent]:
    renew(db)
    return list(db.scalars(select(PaymentEvent).order_by(PaymentEvent.received_at)))


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait for the webhook (localstripe sends ~1 s after) or the worker; the bound only stops a hang."""
    for _ in range(600):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def settled(db: Session, payment_id: str) -> Payment:
    eventually(lambda: fresh(db, payment_id).settled_at is not None, f"payment {payment_id} settled")
    return fresh(db, payment_id)


def intent(localstripe: str, intent_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{localstripe}/v1/payment_intents/{intent_id}", auth=(TEST_KEY, "")).json())


def gateway_ref(db: Session, payment_id: str) -> str:
    ref = fresh(db, payment_id).gateway_ref
    assert ref is not None and ref.startswith("pi_")
    return ref


def notify_jobs(db: Session, event: str) -> int:
    renew(db)
    return sum(
        1
        for j in db.scalars(select(Job).where(Job.name == "citizen_app.notify"))
        if j.payload["event"] == event
    )


def test_full_pay_flow_card_webhook_settled_receipt(tvp: str, localstripe: str, db: Session) -> None:
    decision = a_decision(9501, notices=2)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
        assert (created["gateway"], created["redirect_url"], created["status"]) == ("stripe", None, "pending")
        assert created["return_url"] == f"{tvp}/payments/stripe/return"
        pi = gateway_ref(db, created["id"])
        at_stripe = intent(localstripe, pi)
        assert created["client_secret"] == at_stripe["client_secret"] and created["client_secret"].startswith(
            pi
        )
        assert (at_stripe["amount"], at_stripe["currency"]) == (decision.amount_vnd, "vnd")
        assert at_stripe["metadata"]["reference"] == fresh(db, created["id"]).reference
        again = start_payment(app, decision.id)  # a double click: the same attempt, its secret asked again
        assert (again["id"], again["client_secret"]) == (created["id"], created["client_secret"])

        assert pay_with_card(localstripe, pi) == "succeeded"  # Stripe.js in the app
        payment = settled(db, created["id"])  # the webhook, then the server's worker
        assert payment.status is PaymentStatus.succeeded and payment.receipt_number.startswith("BL-")  # type: ignore[union-attr]
        charged = intent(localstripe, pi)["charges"]["data"]
        assert [c["id"] for c in charged] == [payment.gateway_txn_no]

        mine = app.get(f"/api/citizen/v1/payments/{created['id']}").json()
        assert (mine["status"], mine["receipt_number"]) == ("succeeded", payment.receipt_number)
        pdf = app.get(f"/api/citizen/v1/payments/{created['id']}/receipt.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        html = app.get(f"/api/citizen/v1/payments/{created['id']}/receipt.html").text
        assert payment.receipt_number in html and decision.number in html  # type: ignore[operator]
        paid_again = app.post(f"/api/citizen/v1/decisions/{decision.id}/payments")
        assert paid_again.status_code == 409 and paid_again.json()["error"] == "DecisionNotPayable"

    back = {"payment_intent": pi, "payment_intent_client_secret": created["client_secret"]}
    page = httpx.get(f"{tvp}/payments/stripe/return", params={**back, "redirect_status": "succeeded"})
    assert page.status_code == 200 and "Thanh toán thành công" in page.text and payment.reference in page.text
    forged = httpx.get(f"{tvp}/payments/stripe/return", params={**back, "payment_intent_client_secret": "x"})
    assert forged.status_code == 400 and payment.reference not in forged.text

    renew(db)
    assert db.get(Decision, decision.id).status is DecisionStatus.paid  # type: ignore[union-attr]
    assert {db.get(Notice, n).status for n in decision.notice_ids} == {NoticeStatus.paid}  # type: ignore[union-attr]
    assert notify_jobs(db, "decision.paid") == 1
    stored = events(db)
    assert [(e.event_id.startswith("evt_"), e.outcome, e.applied) for e in stored] == [
        (True, "succeeded", True)
    ]
    assert stored[0].payload["type"] == "payment_intent.succeeded"


def test_forged_missing_and_stale_signatures_400_nothing_written(tvp: str, db: Session) -> None:
    decision = a_decision(9502)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    pi = gateway_ref(db, created["id"])
    event = intent_event("payment_intent.succeeded", pi, decision.amount_vnd)
    forged = post_event(tvp, event, "whsec_forger")
    assert forged.status_code == 400 and forged.json() == {
        "error": "CallbackSignatureInvalid",
        "detail": "no v1 signature matches",
    }
    stale = post_event(tvp, event, SECRET, signed_at=int(time.time()) - 301)  # a replayed old delivery
    assert stale.status_code == 400 and "tolerance" in stale.json()["detail"]
    unsigned = httpx.post(f"{tvp}/api/payments/stripe/webhook", json=event)
    assert unsigned.status_code == 400 and unsigned.json()["error"] == "CallbackSignatureInvalid"
    assert events(db) == [] and fresh(db, created["id"]).status is PaymentStatus.pending

    ignored = post_event(tvp, {**event, "type": "customer.created"}, SECRET)  # signed, not ours to act on
    assert ignored.status_code == 200 and ignored.json()["result"] == "ignored"
    assert events(db) == []


def test_tampered_amount_or_currency_refused_unknown_intent_acknowledged(tvp: str, db: Session) -> None:
    decision = a_decision(9503)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    pi = gateway_ref(db, created["id"])
    for tampered in (
        intent_event("payment_intent.succeeded", pi, decision.amount_vnd - 1000),  # signed correctly
        intent_event("payment_intent.succeeded", pi, decision.amount_vnd, currency="usd"),
    ):
        answer = post_event(tvp, tampered, SECRET)
        assert answer.status_code == 422 and answer.json()["error"] == "CallbackAmountMismatch"
    unknown = post_event(tvp, intent_event("payment_intent.succeeded", "pi_notours", 5000), SECRET)
    assert unknown.status_code == 200 and unknown.json()["result"] == "not_found"  # no retries for 3 days
    assert events(db) == [] and fresh(db, created["id"]).status is PaymentStatus.pending


def test_redelivered_and_concurrent_duplicates_apply_once(tvp: str, localstripe: str, db: Session) -> None:
    decision = a_decision(9504)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    pi = gateway_ref(db, created["id"])
    assert pay_with_card(localstripe, pi) == "succeeded"
    first = settled(db, created["id"])
    [delivered] = delivered_events(localstripe, "payment_intent.succeeded", pi)
    again = post_event(tvp, delivered, SECRET)  # Stripe's retry: the same event, signed anew
    assert again.status_code == 200 and again.json()["result"] == "duplicate"

    answers: list[str] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        answers.append(post_event(tvp, delivered, SECRET).json()["result"])

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["duplicate"] * 4
    assert [e.event_id for e in events(db)] == [delivered["id"]]
    assert fresh(db, created["id"]).receipt_number == first.receipt_number
    assert notify_jobs(db, "decision.paid") == 1


def test_a_failure_delivered_after_the_success_changes_nothing(
    tvp: str, localstripe: str, db: Session
) -> None:
    decision = a_decision(9505)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    pi = gateway_ref(db, created["id"])
    success = intent_event("payment_intent.succeeded", pi, decision.amount_vnd)
    late_failure = intent_event("payment_intent.payment_failed", pi, decision.amount_vnd)
    late_failure["created"] = success["created"] - 5  # it happened first, it arrives last
    assert post_event(tvp, success, SECRET).json()["result"] == "applied"
    assert post_event(tvp, late_failure, SECRET).json()["result"] == "duplicate"
    payment = settled(db, created["id"])
    assert payment.status is PaymentStatus.succeeded
    assert [(e.outcome, e.applied) for e in events(db)] == [("succeeded", True), ("failed", False)]


def test_a_declined_card_fails_the_attempt_then_a_new_one_pays(
    tvp: str, localstripe: str, db: Session
) -> None:
    decision = a_decision(9506)
    with citizen_client(tvp, decision.cccd) as app:
        first = start_payment(app, decision.id)
        declined = gateway_ref(db, first["id"])
        assert pay_with_card(localstripe, declined, "pm_card_chargeCustomerFail") == "requires_payment_method"
        eventually(lambda: fresh(db, first["id"]).status is PaymentStatus.failed, "the failure webhook")
        second = start_payment(app, decision.id)
        assert second["id"] != first["id"] and second["client_secret"] != first["client_secret"]
        assert pay_with_card(localstripe, gateway_ref(db, second["id"])) == "succeeded"
        assert settled(db, second["id"]).status is PaymentStatus.succeeded
    assert fresh(db, first["id"]).status is PaymentStatus.failed
    assert sorted((e.outcome, e.applied) for e in events(db)) == [("failed", True), ("succeeded", True)]


def test_partial_refund_after_an_amended_decision_then_the_rest(
    tvp: str, localstripe: str, db: Session
) -> None:
    decision = a_decision(9507)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    pi = gateway_ref(db, created["id"])
    pay_with_card(localstripe, pi)
    paid = settled(db, created["id"]).amount_vnd
    with session_scope() as writing:  # BEGIN IMMEDIATE: the server writes too
        amended = writing.get(Decision, decision.id)
        assert amended is not None
        amended.amount_vnd = paid - 500_000  # amended down after a dispute: the difference goes back
    url, staff = f"{tvp}/api/payments/{created['id']}/refunds", staff_headers(Role.supervisor)
    part = httpx.post(url, json={"amount_vnd": 500_000, "reason": "amended decision"}, headers=staff)
    assert part.status_code == 201 and part.json()["status"] == "succeeded"
    assert part.json()["gateway_ref"].startswith("re_")
    refunds = httpx.get(f"{localstripe}/v1/refunds", params={"payment_intent": pi}, auth=(TEST_KEY, ""))
    assert [r["amount"] for r in refunds.json()["data"]] == [500_000]
    payment = fresh(db, created["id"])
    assert (payment.status, payment.refunded_vnd) == (PaymentStatus.succeeded, 500_000)

    # Stripe's charge.refunded (localstripe does not send it): kept, never applied, already recorded.
    refunded = intent_event(
        "charge.refunded", "ch_x", paid, payment_intent=pi, amount_refunded=500_000, object="charge"
    )
    assert post_event(tvp, refunded, SECRET).json()["result"] == "duplicate"
    assert fresh(db, created["id"]).refunded_vnd == 500_000

    rest = httpx.post(url, json={"amount_vnd": paid - 500_000, "reason": "decision cancelled"}, headers=staff)
    assert rest.status_code == 201
    payment = fresh(db, created["id"])
    assert (payment.status, payment.refunded_vnd) == (PaymentStatus.refunded, paid)
    renew(db)
    assert db.scalar(select(func.count()).select_from(PaymentEvent).where(PaymentEvent.applied)) == 1


def test_the_signature_is_over_the_raw_body(tvp: str, db: Session) -> None:
    """A body re-serialised after signing (spaces, key order) no longer matches: the raw bytes count."""
    decision = a_decision(9508)
    with citizen_client(tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    pi = gateway_ref(db, created["id"])
    body = b'{"id": "evt_raw", "type": "payment_intent.succeeded", "created": %d, "data": {"object": ' % int(
        time.time()
    ) + b'{"id": "%s", "amount": %d, "currency": "vnd"}}}' % (pi.encode(), decision.amount_vnd)
    header = signature_header(body, SECRET, int(time.time()))
    url = f"{tvp}/api/payments/stripe/webhook"
    respaced = body.replace(b": ", b":")
    assert httpx.post(url, content=respaced, headers={"Stripe-Signature": header}).status_code == 400
    assert events(db) == []
    ok = httpx.post(url, content=body, headers={"Stripe-Signature": header})
    assert ok.status_code == 200 and ok.json()["result"] == "applied"
