"""The payments service with the fake gateway: the amount due, idempotent attempts, events applied once,
the one-payment-per-decision database rule, and a settlement killed half-way that runs again once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.config import Settings
from core.jobs.runner import execute
from core.models import AuditEntry, Job, JobStatus
from core.plugins import load_tasks
from core.time import utc_now, vn_today
from payments import service
from payments.gateways.base import CallbackEvent, Gateway, Outcome, SignatureInvalid
from payments.gateways.fake import FakeGateway, fake_signature
from payments.gateways.vnpay import VNPay, query_string, sign_params, verify_params
from payments.models import Payment, PaymentEvent, PaymentStatus
from penalties.decisions.models import Decision, DecisionStatus
from penalties.notices.models import Notice, NoticeStatus, VehicleWarning
from tests.support.payments import a_decision

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def event(
    payment: Payment, outcome: Outcome, *, event_id: str = "e1", amount: int | None = None
) -> CallbackEvent:
    return CallbackEvent(
        event_id=event_id,
        gateway_ref=payment.gateway_ref or "",
        reference=payment.reference,
        outcome=outcome,
        amount_vnd=payment.amount_vnd if amount is None else amount,
        currency="VND",
        occurred_at=None,
    )


def test_vnpay_signing_matches_the_reference_algorithm() -> None:
    # Sorted keys, empty values dropped, quote_plus values (spaces → +, / → %2F, : → %3A).
    params = {"vnp_TxnRef": "A1", "vnp_OrderInfo": "Nop phat QD/1: x", "vnp_Amount": 100, "vnp_BankCode": ""}
    assert query_string(params) == "vnp_Amount=100&vnp_OrderInfo=Nop+phat+QD%2F1%3A+x&vnp_TxnRef=A1"
    signed = {**{k: str(v) for k, v in params.items()}, "vnp_SecureHash": sign_params(params, "s" * 32)}
    assert verify_params(signed, "s" * 32)["vnp_TxnRef"] == "A1"
    with pytest.raises(SignatureInvalid):
        verify_params({**signed, "vnp_Amount": "200"}, "s" * 32)
    assert len(signed["vnp_SecureHash"]) == 128  # hex SHA-512


def test_fake_gateway_checks_its_signature() -> None:
    gw = FakeGateway()
    body = json.dumps({"id": "x", "gateway_ref": "g", "outcome": "succeeded", "amount_vnd": 5}).encode()
    assert gw.verify_callback({"x-fake-signature": fake_signature(body)}, body, {}).amount_vnd == 5
    with pytest.raises(SignatureInvalid):
        gw.verify_callback({"x-fake-signature": "0" * 64}, body, {})
    assert Gateway.by_name("vnpay-sandbox") is not VNPay and issubclass(
        Gateway.by_name("vnpay-sandbox"), VNPay
    )


def test_amount_due_adds_the_late_charge_in_whole_vnd(db: Session) -> None:
    decision = a_decision(db, 9201)
    decision.due_date = vn_today() - timedelta(days=3)
    amount, late = service.amount_due(decision, vn_today())
    assert late == decision.amount_vnd * 5 * 3 // 10_000 and amount == decision.amount_vnd + late
    decision.due_date = vn_today()
    assert service.amount_due(decision, vn_today()) == (decision.amount_vnd, 0)
    payment = service.create_payment(db, decision, actor="test", gateway=FakeGateway())
    assert (payment.amount_vnd, payment.late_charge_vnd) == (decision.amount_vnd, 0)


def test_same_attempt_twice_and_a_new_one_after_a_failure(db: Session) -> None:
    decision = a_decision(db, 9202)
    gw = FakeGateway()
    first = service.create_payment(db, decision, actor="test", gateway=gw)
    assert service.create_payment(db, decision, actor="test", gateway=gw).id == first.id
    assert len(gw.created) == 1
    assert service.apply_event(db, "fake", event(first, Outcome.failed)) is service.Applied.applied
    second = service.create_payment(db, decision, actor="test", gateway=gw)
    assert second.id != first.id and first.status is PaymentStatus.failed


def test_events_apply_once_and_a_late_failure_never_wins(db: Session) -> None:
    load_tasks()
    decision = a_decision(db, 9203)
    payment = service.create_payment(db, decision, actor="test", gateway=FakeGateway())
    assert (
        service.apply_event(db, "fake", event(payment, Outcome.succeeded, amount=1))
        is service.Applied.amount_mismatch
    )
    assert service.apply_event(db, "fake", event(payment, Outcome.succeeded)) is service.Applied.applied
    assert service.apply_event(db, "fake", event(payment, Outcome.succeeded)) is service.Applied.duplicate
    late = event(payment, Outcome.failed, event_id="e0")
    assert service.apply_event(db, "fake", late) is service.Applied.duplicate
    assert payment.status is PaymentStatus.succeeded
    assert db.scalar(select(func.count()).select_from(PaymentEvent)) == 2
    settles = db.scalars(select(Job).where(Job.name == service.SETTLE_TASK)).all()
    assert len(settles) == 1


def test_the_database_refuses_a_second_succeeded_payment(db: Session) -> None:
    decision = a_decision(db, 9204)

    def paid(key: str) -> Payment:
        return Payment(
            decision_id=decision.id,
            idempotency_key=key,
            reference=key,
            amount_vnd=decision.amount_vnd,
            late_charge_vnd=0,
            currency="VND",
            gateway="fake",
            gateway_ref=key,
            status=PaymentStatus.succeeded,
            refunded_vnd=0,
        )

    db.add(paid("k1"))
    db.commit()
    db.add(paid("k2"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    failed = paid("k3")
    failed.status = PaymentStatus.failed
    db.add(failed)
    db.commit()  # other attempts may fail as often as they like


def test_a_second_success_for_a_paid_decision_is_kept_for_refund(db: Session) -> None:
    load_tasks()
    decision = a_decision(db, 9205)
    gw = FakeGateway()
    first = service.create_payment(db, decision, actor="test", gateway=gw)
    service.apply_event(db, "fake", event(first, Outcome.failed))
    second = service.create_payment(db, decision, actor="test", gateway=gw)
    service.apply_event(db, "fake", event(second, Outcome.succeeded, event_id="e2"))
    service.apply_event(
        db, "fake", event(first, Outcome.succeeded, event_id="e3")
    )  # the bank took it after all
    db.commit()
    assert (second.status, first.status) == (PaymentStatus.succeeded, PaymentStatus.needs_refund)


def test_money_for_a_decision_cancelled_meanwhile_is_kept_for_refund_not_settled(db: Session) -> None:
    load_tasks()
    decision = a_decision(db, 9207)
    payment = service.create_payment(db, decision, actor="test", gateway=FakeGateway())
    decision.status = DecisionStatus.cancelled  # e.g. a dispute upheld while the citizen was paying
    db.flush()
    assert service.apply_event(db, "fake", event(payment, Outcome.succeeded)) is service.Applied.applied
    db.commit()
    assert payment.status is PaymentStatus.needs_refund and decision.status is DecisionStatus.cancelled
    assert db.scalar(select(func.count()).select_from(Job).where(Job.name == service.SETTLE_TASK)) == 0
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(payment.id))).all()
    assert "payment.decision_cancelled" in actions


KILL_MID_SETTLEMENT = """
import os, sys
from core.plugins import load_models, load_tasks
load_models(); load_tasks()
import payments.service as service
real = service.mark_paid
def mark_then_die(*args, **kwargs):
    real(*args, **kwargs)  # the decision and its notices are paid in this transaction...
    os._exit(3)  # ...and the worker dies before it commits
service.mark_paid = mark_then_die
from core.jobs.runner import execute
execute(sys.argv[1])
"""


def test_a_worker_killed_mid_settlement_settles_once_after_restart(db: Session, database_url: str) -> None:
    load_tasks()
    decision = a_decision(db, 9206)
    notice_id = decision.items[0].notice_id
    notice = db.get(Notice, notice_id)
    assert notice is not None
    db.add(VehicleWarning(plate="51G09206", notice_id=notice_id, reason="20 days unanswered"))
    payment = service.create_payment(db, decision, actor="test", gateway=FakeGateway())
    service.apply_event(db, "fake", event(payment, Outcome.succeeded))
    db.commit()
    job = db.scalar(select(Job).where(Job.name == service.SETTLE_TASK))
    assert job is not None
    job_id = str(job.id)

    env = {**os.environ, "TVP_DATABASE_URL": database_url, "PYTHONPATH": PROJECT}
    killed = subprocess.run(
        [sys.executable, "-c", KILL_MID_SETTLEMENT, job_id],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == 3, killed.stderr[-2000:]
    db.rollback()
    db.expire_all()
    assert db.get(Decision, decision.id).status is DecisionStatus.issued  # type: ignore[union-attr]
    assert db.get(Payment, payment.id).settled_at is None  # type: ignore[union-attr]
    assert db.get(Job, job.id).status is not JobStatus.done  # type: ignore[union-attr]

    assert execute(job_id) == "done"  # the restarted worker
    assert execute(job_id) == "skipped"
    db.rollback()
    db.expire_all()
    settled = db.get(Payment, payment.id)
    assert settled is not None and settled.receipt_number and settled.settled_at
    assert db.get(Decision, decision.id).status is DecisionStatus.paid  # type: ignore[union-attr]
    assert db.get(Notice, notice_id).status is NoticeStatus.paid  # type: ignore[union-attr]
    assert (
        db.scalar(select(VehicleWarning.lifted_at).where(VehicleWarning.notice_id == notice_id)) is not None
    )
    notifies = db.scalars(select(Job).where(Job.name == "citizen_app.notify")).all()
    assert sum(1 for j in notifies if j.payload["event"] == "decision.paid") == 1


def test_production_refuses_a_weak_vnpay_secret_and_the_sandbox(tmp_path: Path) -> None:
    from core.config import InsecureSettings

    strong: dict[str, Any] = {
        "secret_key": "a" + uuid.uuid4().hex + uuid.uuid4().hex,
        "idp_client_secret": "b" + uuid.uuid4().hex + uuid.uuid4().hex,
        "audit_key": "c" + uuid.uuid4().hex + uuid.uuid4().hex,
        "acknowledgement_key": "g" + uuid.uuid4().hex + uuid.uuid4().hex,
        "biometric_key": "h" + uuid.uuid4().hex + uuid.uuid4().hex,
    }
    base: dict[str, Any] = {
        "env": "production",
        "data_dir": tmp_path,
        "session_cookie_secure": True,
        "hsts_seconds": 86400,
        "idp_embedded": False,
    }
    with pytest.raises(InsecureSettings, match="TVP_VNPAY_HASH_SECRET"):
        Settings(**base, **strong, payment_gateway="vnpay", vnpay_hash_secret="short")
    with pytest.raises(InsecureSettings, match="vnpay-sandbox"):
        Settings(
            **base, **strong, payment_gateway="vnpay-sandbox", vnpay_hash_secret="d" + uuid.uuid4().hex * 2
        )
    ok = Settings(**base, **strong, vnpay_hash_secret="e" + uuid.uuid4().hex * 2)
    assert ok.payment_gateway == "vnpay"  # the default in production
    assert Settings(data_dir=tmp_path).payment_gateway == "vnpay-sandbox"  # elsewhere


def test_the_demo_starts_the_sandbox_gateway(tmp_path: Path) -> None:
    import httpx

    from payments.demo import demo_services
    from tests.support.delivery import free_port

    port = free_port()
    settings = Settings(
        data_dir=tmp_path,
        vnpay_hash_secret="f" + uuid.uuid4().hex * 2,
        vnpay_pay_url=f"http://127.0.0.1:{port}/paymentv2/vpcpay.html",
    )
    url = demo_services(settings, "http://127.0.0.1:1")
    assert url == f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
            break
        except httpx.TransportError:
            import time

            time.sleep(0.05)
    else:
        raise AssertionError("the sandbox did not start")
    other = Settings(data_dir=tmp_path, payment_gateway="vnpay")
    assert demo_services(other, "http://127.0.0.1:1") is None


def test_pending_attempts_past_their_page_are_checked_with_the_gateway(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_tasks()
    gw = FakeGateway()
    monkeypatch.setattr(service, "gateway_for", lambda name=None: gw)
    decision = a_decision(db, 9207)
    payment = service.create_payment(db, decision, actor="test")
    recent = service.create_payment(db, a_decision(db, 9208), actor="test")
    now = recent.created_at
    payment.created_at = now - timedelta(minutes=20)
    gw.outcomes[payment.gateway_ref or ""] = Outcome.succeeded
    gw.outcomes[recent.gateway_ref or ""] = Outcome.succeeded
    db.flush()
    counts = service.check_pending(db, now)
    assert counts == {"checked": 1, "changed": 1, "unreachable": 0}
    assert (payment.status, recent.status) == (PaymentStatus.succeeded, PaymentStatus.pending)


def test_the_scheduled_pending_check_runs_as_a_job(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduler gives every periodic job its slot (``at``): the hourly check must take it and run."""
    from core.jobs.schedule import enqueue_due

    load_tasks()
    gw = FakeGateway()
    monkeypatch.setattr(service, "gateway_for", lambda name=None: gw)
    payment = service.create_payment(db, a_decision(db, 9209), actor="test")
    payment.created_at = utc_now() - timedelta(minutes=20)
    gw.outcomes[payment.gateway_ref or ""] = Outcome.succeeded
    db.commit()
    assert any(key.startswith("payments.check_pending@") for key in enqueue_due())
    job = db.scalars(select(Job).where(Job.name == "payments.check_pending")).one()
    assert execute(str(job.id)) == "done"
    db.rollback()
    db.expire_all()
    assert db.get(Payment, payment.id).status is PaymentStatus.succeeded  # type: ignore[union-attr]
