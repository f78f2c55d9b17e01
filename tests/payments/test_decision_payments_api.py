"""What the citizen app's Pay button reads, over real HTTP (tvp and the VNPay sandbox on uvicorn): the
amount due today with its late charge, then the payment that paid it with its receipt; the return page
leads back to the app's decision page; another citizen's decision is "not found"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from core.time import vn_today
from penalties.law.assessment import late_charge
from tests.support.delivery import run_due_jobs
from tests.support.payments import (
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


def test_amount_due_today_then_paid_with_the_receipt_and_the_way_back(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9401)
    decision.due_date = vn_today() - timedelta(days=3)  # three days late (Vietnam's calendar)
    db.commit()
    late = late_charge(decision.amount_vnd, decision.due_date, vn_today())
    assert late > 0
    url = f"/api/citizen/v1/decisions/{decision.id}/payments"
    with citizen_client(servers.tvp, decision.cccd) as app:
        due = app.get(url).json()
        assert due == {"amount_due_vnd": decision.amount_vnd + late, "late_charge_vnd": late, "paid": None}
        created = start_payment(app, decision.id)
        assert (created["amount_vnd"], created["late_charge_vnd"]) == (due["amount_due_vnd"], late)
        assert app.get(url).json()["paid"] is None  # started is not paid

        back = pay_at_sandbox(created["redirect_url"])
        assert "Thanh toán thành công" in back.text
        assert f'href="/citizen/decisions/{decision.id}"' in back.text
        assert "Về ứng dụng / Back to the app" in back.text
        assert run_due_jobs(only={"payments.settle"}) == ["payments.settle"]

        paid = app.get(url).json()["paid"]
        assert paid["id"] == created["id"] and paid["status"] == "succeeded"
        assert paid["amount_vnd"] == decision.amount_vnd + late and paid["receipt_number"].startswith("BL-")
        receipt = app.get(f"/api/citizen/v1/payments/{paid['id']}/receipt.html")
        assert receipt.status_code == 200 and paid["receipt_number"] in receipt.text


def test_another_citizens_decision_is_not_found(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9402)
    other = a_decision(db, 9403)
    with citizen_client(servers.tvp, other.cccd) as stranger:
        resp = stranger.get(f"/api/citizen/v1/decisions/{decision.id}/payments")
    assert resp.status_code == 404 and resp.json()["error"] == "DecisionNotFound"


def test_a_return_link_without_a_known_payment_still_leads_to_the_app(servers: Servers) -> None:
    page = httpx.get(f"{servers.tvp}/payments/vnpay/return", params={"vnp_TxnRef": "x"})
    assert page.status_code == 400 and "Chữ ký không hợp lệ" in page.text
    assert 'href="/citizen/decisions">Về ứng dụng / Back to the app</a>' in page.text
