"""Reconciling VNPay over real HTTP against the in-repo sandbox: VNPay has no settlement report, so each
of our attempts of the day is asked about with querydr. A lost IPN is found (missing_here), attached,
and the decision is paid once, even when the IPN finally arrives."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.time import utc_now, vn_today
from payments.models import Payment, PaymentEvent, PaymentStatus
from payments.reconciliation import resolve
from payments.reconciliation import service as reconciliation
from payments.reconciliation.exceptions import ResolutionRefused
from payments.reconciliation.models import Mismatch, MismatchKind, RunStatus
from penalties.decisions.models import Decision, DecisionStatus
from tests.support.delivery import run_due_jobs
from tests.support.payments import (
    Servers,
    a_decision,
    citizen_client,
    pay_at_sandbox,
    payment_servers,
    start_payment,
)

STAFF = "staff:6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d98"


@pytest.fixture
def servers(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Servers]:
    with payment_servers(monkeypatch) as running:
        yield running


def fresh(db: Session) -> None:
    db.rollback()
    db.expire_all()


def test_a_lost_ipn_is_found_by_querydr_attached_and_paid_once(servers: Servers, db: Session) -> None:
    paid_normally, lost, never_paid, bogus = (a_decision(db, serial) for serial in (9401, 9402, 9403, 9404))
    with citizen_client(servers.tvp, paid_normally.cccd) as app:
        pay_at_sandbox(start_payment(app, paid_normally.id)["redirect_url"])  # IPN delivered: no mismatch
    servers.configure(ipn="held")  # VNPay's IPN for the next payment never reaches us (until released)
    with citizen_client(servers.tvp, lost.cccd) as app:
        created = start_payment(app, lost.id)
        back = pay_at_sandbox(created["redirect_url"])
        assert "Đang xác nhận" in back.text  # the return page shows, it never pays
    with citizen_client(servers.tvp, never_paid.cccd) as app:
        start_payment(app, never_paid.id)  # the citizen never opened VNPay's page: querydr says 91
    with citizen_client(servers.tvp, bogus.cccd) as app:
        ghost = start_payment(app, bogus.id)  # recorded paid here by mistake; VNPay never saw it
    db.execute(
        update(Payment)
        .where(Payment.reference == _ref(ghost))
        .values(status=PaymentStatus.succeeded, paid_at=utc_now())
    )
    db.commit()
    run_due_jobs(only={"payments.settle"})

    run = reconciliation.reconcile_gateway(db, "vnpay-sandbox", vn_today(), actor="system")
    db.commit()
    assert (run.status, run.our_payments, run.gateway_lines, run.unchecked) == (RunStatus.done, 4, 4, 0)
    found = {(m.kind, m.reference) for m in db.scalars(select(Mismatch))}
    assert found == {
        (MismatchKind.missing_here, _ref(created)),
        (MismatchKind.missing_at_gateway, _ref(ghost)),
    }
    missing = db.scalars(select(Mismatch).where(Mismatch.kind == MismatchKind.missing_here)).one()
    assert missing.gateway_amount_vnd == lost.amount_vnd and missing.transaction_no  # VNPay's number

    resolve.attach(db, missing.id, actor=STAFF, note="IPN never came")
    db.commit()
    assert "payments.settle" in run_due_jobs(only={"payments.settle"})
    with pytest.raises(ResolutionRefused):
        resolve.attach(db, missing.id, actor=STAFF)
    db.rollback()

    released = httpx.post(f"{servers.sandbox}/_release").json()
    assert released == {"sent": 1}
    assert servers.sandbox_state()["ipn_log"][-1]["answer"]["RspCode"] == "02"  # already confirmed
    fresh(db)
    payment = db.scalars(select(Payment).where(Payment.reference == _ref(created))).one()
    assert payment.status is PaymentStatus.succeeded and payment.receipt_number
    assert payment.gateway_txn_no == missing.transaction_no
    assert db.get(Decision, lost.id).status is DecisionStatus.paid  # type: ignore[union-attr]
    assert db.scalar(select(func.count()).select_from(Payment).where(Payment.decision_id == lost.id)) == 1
    assert (
        db.scalar(
            select(func.count())
            .select_from(PaymentEvent)
            .where(PaymentEvent.payment_id == payment.id, PaymentEvent.applied.is_(True))
        )
        == 1
    )

    again = reconciliation.reconcile_gateway(db, "vnpay-sandbox", vn_today(), actor="system")
    db.commit()
    assert (again.found, again.seen_again) == (0, 1)  # the ghost is still listed, once


def test_vnpay_unreachable_for_an_attempt_makes_a_partial_run(servers: Servers, db: Session) -> None:
    decision = a_decision(db, 9405)
    with citizen_client(servers.tvp, decision.cccd) as app:
        pay_at_sandbox(start_payment(app, decision.id)["redirect_url"])
    run_due_jobs(only={"payments.settle"})
    servers.configure(api_delay_s=2.5)  # longer than tvp's 1 s timeout
    run = reconciliation.reconcile_gateway(db, "vnpay-sandbox", vn_today(), actor="system")
    db.commit()
    assert (run.status, run.unchecked, run.found) == (RunStatus.partial, 1, 0)  # not called missing


def _ref(created: dict[str, object]) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(str(created["redirect_url"])).query)["vnp_TxnRef"][0]
