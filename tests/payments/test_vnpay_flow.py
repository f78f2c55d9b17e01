"""The citizen pays a decision through the VNPay sandbox, over real HTTP: tvp and the sandbox each on a
uvicorn server. The IPN is the source of truth; the return page only shows; every callback lands once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Job, Role
from payments.gateways.vnpay import sign_params
from payments.models import Payment, PaymentEvent, PaymentStatus, Refund
from penalties.decisions.models import Decision, DecisionStatus
from penalties.notices.models import Notice, NoticeStatus
from tests.support.delivery import run_due_jobs
from tests.support.factories import staff_headers
from tests.support.payments import (
    SECRET,
    Servers,
    a_decision,
    citizen_client,
    pay_at_sandbox,
    payment_servers,
    start_payment,
)


@pytest.fixture
def servers(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Servers]:
    with payment_servers(monkeypatch) as running:
        yield running


def renew(db: Session) -> None:
    """Forget what the session has read: a new snapshot, every object reloaded."""
    db.rollback()
    db.expire_all()


def settle_jobs() -> list[str]:
    return run_due_jobs(only={"payments.settle"})


def fresh(db: Session, payment_id: str) -> Payment:
    renew(db)  # a new snapshot (on SQLite a read transaction keeps its old one)
    found = db.get(Payment, uuid.UUID(payment_id))
    assert found is not None
    return found


def events(db: Session) -> int:
    renew(db)
    return db.scalar(select(func.count()).select_from(PaymentEvent)) or 0


def notify_jobs(db: Session, event: str) -> int:
    renew(db)
    jobs = db.scalars(select(Job).where(Job.name == "citizen_app.notify")).all()
    return sum(1 for j in jobs if j.payload.get("event") == event)


def ipn_params(redirect_url: str, **changes: str) -> dict[str, str]:
    """An IPN as the sandbox would send it for the payment behind ``redirect_url``, signed with SECRET."""
    asked = {k: v[0] for k, v in parse_qs(urlparse(redirect_url).query).items()}
    params = {
        "vnp_Amount": asked["vnp_Amount"],
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": asked["vnp_OrderInfo"],
        "vnp_PayDate": "20261130120000",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": asked["vnp_TmnCode"],
        "vnp_TransactionNo": "99000001",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": asked["vnp_TxnRef"],
        **changes,
    }
    return {**params, "vnp_SecureHash": sign_params(params, SECRET)}


def test_full_pay_flow_sandbox_ipn_paid_receipt(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9101, notices=2)
    notice_ids = [i.notice_id for i in decision.items]
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
        assert created["amount_vnd"] == decision.amount_vnd and created["late_charge_vnd"] == 0
        assert (created["gateway"], created["client_secret"]) == ("vnpay-sandbox", None)
        assert created["return_url"] == f"{servers.tvp}/payments/vnpay/return"
        asked = parse_qs(urlparse(created["redirect_url"]).query)
        assert created["redirect_url"].startswith(servers.sandbox)
        assert asked["vnp_Amount"] == [str(decision.amount_vnd * 100)]  # VND × 100

        back = pay_at_sandbox(created["redirect_url"])
        assert str(back.url).startswith(f"{servers.tvp}/payments/vnpay/return")
        assert "Thanh toán thành công" in back.text  # the IPN came first (normal mode)
        ipns = servers.sandbox_state()["ipn_log"]
        assert [e["answer"]["RspCode"] for e in ipns] == ["00"]

        early = app.get(f"/api/citizen/v1/payments/{created['id']}/receipt.pdf")
        assert early.status_code == 409 and early.json()["error"] == "ReceiptNotReady"
        assert settle_jobs() == ["payments.settle"]

        status = app.get(f"/api/citizen/v1/payments/{created['id']}").json()
        assert status["status"] == "succeeded" and status["receipt_number"].startswith("BL-")
        pdf = app.get(f"/api/citizen/v1/payments/{created['id']}/receipt.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        html = app.get(f"/api/citizen/v1/payments/{created['id']}/receipt.html")
        assert status["receipt_number"] in html.text and decision.number in html.text
        again = app.post(f"/api/citizen/v1/decisions/{decision.id}/payments")
        assert again.status_code == 409 and again.json()["error"] == "DecisionNotPayable"

    renew(db)
    assert db.get(Decision, decision.id).status is DecisionStatus.paid  # type: ignore[union-attr]
    assert {db.get(Notice, n).status for n in notice_ids} == {NoticeStatus.paid}  # type: ignore[union-attr]
    assert notify_jobs(db, "decision.paid") == 1
    assert events(db) == 1
    paid = db.scalars(select(Payment).where(Payment.decision_id == decision.id)).one()
    assert paid.gateway_txn_no and paid.gateway_txn_no == ipns[0]["TransactionNo"]


def test_another_citizen_gets_404(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9102)
    other = a_decision(db, 9103)
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    with citizen_client(servers.tvp, other.cccd) as stranger:
        assert stranger.get(f"/api/citizen/v1/payments/{created['id']}").status_code == 404
        assert stranger.post(f"/api/citizen/v1/decisions/{decision.id}/payments").status_code == 404


def test_forged_signature_97_and_tampered_amount_04_write_nothing(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9104)
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    ipn = f"{servers.tvp}/api/payments/vnpay/ipn"
    forged = ipn_params(created["redirect_url"])
    forged["vnp_Amount"] = "100"  # changed after signing
    assert httpx.get(ipn, params=forged).json() == {"RspCode": "97", "Message": "Invalid signature"}
    unsigned = {k: v for k, v in forged.items() if k != "vnp_SecureHash"}
    assert httpx.get(ipn, params=unsigned).json()["RspCode"] == "97"
    tampered = ipn_params(created["redirect_url"], vnp_Amount=str((decision.amount_vnd - 1000) * 100))
    assert httpx.get(ipn, params=tampered).json() == {"RspCode": "04", "Message": "Invalid amount"}
    unknown = ipn_params(created["redirect_url"], vnp_TxnRef="NOSUCHORDER")
    assert httpx.get(ipn, params=unknown).json()["RspCode"] == "01"
    assert events(db) == 0
    assert fresh(db, created["id"]).status is PaymentStatus.pending
    forged_return = httpx.get(f"{servers.tvp}/payments/vnpay/return", params=forged)
    assert forged_return.status_code == 400


def test_double_click_two_concurrent_creates_one_payment(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9105)
    answers: list[dict] = []
    with citizen_client(servers.tvp, decision.cccd) as app:
        barrier = threading.Barrier(2)

        def click() -> None:
            barrier.wait()
            answers.append(start_payment(app, decision.id))

        clicks = [threading.Thread(target=click) for _ in range(2)]
        for t in clicks:
            t.start()
        for t in clicks:
            t.join()
    assert len(answers) == 2 and answers[0]["id"] == answers[1]["id"]
    assert answers[0]["redirect_url"] == answers[1]["redirect_url"]
    renew(db)
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_ipn_lost_and_gateway_timeout_then_querydr_success(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9106)
    servers.configure(ipn="none")
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
        back = pay_at_sandbox(created["redirect_url"])
        assert "Đang xác nhận" in back.text  # the bank said yes; the return page changes nothing
        assert fresh(db, created["id"]).status is PaymentStatus.pending
        servers.configure(ipn="none", api_delay_s=2.5)  # longer than tvp's 1 s timeout
        slow = app.get(f"/api/citizen/v1/payments/{created['id']}", params={"refresh": "true"})
        assert slow.status_code == 503 and slow.json()["error"] == "GatewayUnavailable"
        assert fresh(db, created["id"]).status is PaymentStatus.pending
        servers.configure(ipn="none")
        ok = app.get(f"/api/citizen/v1/payments/{created['id']}", params={"refresh": "true"})
        assert ok.status_code == 200 and ok.json()["status"] == "succeeded"
    assert settle_jobs() == ["payments.settle"]
    assert fresh(db, created["id"]).receipt_number is not None


def test_return_before_ipn_then_ipn(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9107)
    servers.configure(ipn="held")
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
        back = pay_at_sandbox(created["redirect_url"])
        assert "Đang xác nhận" in back.text
        assert fresh(db, created["id"]).status is PaymentStatus.pending and events(db) == 0
        assert httpx.post(f"{servers.sandbox}/_release").json() == {"sent": 1}
        assert app.get(f"/api/citizen/v1/payments/{created['id']}").json()["status"] == "succeeded"
        # The browser reloads the return page: still only a display.
        assert "Thanh toán thành công" in httpx.get(back.url).text
    assert events(db) == 1


@pytest.mark.parametrize("mode", ["duplicated", "out_of_order"])
def test_duplicated_and_out_of_order_ipns_pay_once(servers: Servers, db: Session, mode: str) -> None:
    decision = a_decision(db, 9108 if mode == "duplicated" else 9109)
    servers.configure(ipn=mode)
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
        pay_at_sandbox(created["redirect_url"])
    answers = sorted(e["answer"]["RspCode"] for e in servers.sandbox_state()["ipn_log"])
    assert answers == ["00", "02"]
    assert settle_jobs() == ["payments.settle"]
    assert settle_jobs() == []
    payment = fresh(db, created["id"])
    assert payment.status is PaymentStatus.succeeded  # a late failure never overrides it
    applied = db.scalars(select(PaymentEvent.applied)).all()
    assert sorted(applied) == ([True] if mode == "duplicated" else [False, True])
    assert notify_jobs(db, "decision.paid") == 1


def test_refund_partial_after_amendment_then_full(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9110)
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
        pay_at_sandbox(created["redirect_url"])
    settle_jobs()
    paid = created["amount_vnd"]
    # The decision is amended down after a dispute: the difference goes back.
    amended = db.get(Decision, decision.id)
    assert amended is not None
    amended.amount_vnd = paid - 500_000
    db.commit()
    staff = staff_headers(Role.supervisor)
    url = f"{servers.tvp}/api/payments/{created['id']}/refunds"
    part = httpx.post(url, json={"amount_vnd": 500_000, "reason": "amended decision"}, headers=staff)
    assert part.status_code == 201 and part.json()["status"] == "succeeded"
    ref = fresh(db, created["id"]).reference
    assert servers.sandbox_state()["txns"][ref] == {"status": "06", "refunded_vnd": 500_000}
    too_much = httpx.post(url, json={"amount_vnd": paid, "reason": "too much"}, headers=staff)
    assert too_much.status_code == 422 and too_much.json()["error"] == "RefundRefused"
    rest = httpx.post(url, json={"amount_vnd": paid - 500_000, "reason": "decision cancelled"}, headers=staff)
    assert rest.status_code == 201
    payment = fresh(db, created["id"])
    assert (payment.status, payment.refunded_vnd) == (PaymentStatus.refunded, paid)
    assert servers.sandbox_state()["txns"][ref]["status"] == "05"
    assert db.scalar(select(func.count()).select_from(Refund)) == 2
    citizen = httpx.post(url, json={"amount_vnd": 1, "reason": "me"}, headers={})
    assert citizen.status_code == 401


def test_cancel_at_the_gateway_then_a_new_attempt(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9111)
    with citizen_client(servers.tvp, decision.cccd) as app:
        first = start_payment(app, decision.id)
        back = pay_at_sandbox(first["redirect_url"], action="cancel")
        assert "Chưa thanh toán" in back.text
        assert fresh(db, first["id"]).status is PaymentStatus.canceled
        second = start_payment(app, decision.id)
        assert second["id"] != first["id"]
        pay_at_sandbox(second["redirect_url"])
    assert fresh(db, second["id"]).status is PaymentStatus.succeeded


def test_sandbox_refuses_a_forged_payment_url(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9112)
    with citizen_client(servers.tvp, decision.cccd) as app:
        created = start_payment(app, decision.id)
    url = created["redirect_url"]
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    query["vnp_Amount"] = "100"
    forged = httpx.get(f"{servers.sandbox}/paymentv2/vpcpay.html?{urlencode(query)}")
    assert forged.status_code == 400
