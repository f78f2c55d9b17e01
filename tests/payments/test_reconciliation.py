"""Daily reconciliation with the fake gateway: each planted mismatch kind is found, a rerun adds nothing,
each resolve action works once, is audited, and is refused where it makes no sense; the daily schedule
and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.cli import app as cli
from core.jobs.schedule import SCHEDULES
from core.models import AuditEntry, Job
from core.plugins import load_tasks
from core.time import vn_today
from payments import service
from payments.gateways.base import CallbackEvent, Outcome, SettlementLine
from payments.gateways.fake import FakeGateway
from payments.models import Payment, PaymentStatus
from payments.reconciliation import resolve
from payments.reconciliation import service as reconciliation
from payments.reconciliation.exceptions import NoteRequired, ResolutionRefused
from payments.reconciliation.models import (
    Mismatch,
    MismatchKind,
    MismatchStatus,
    ReconciliationRun,
    Resolution,
    RunStatus,
)
from payments.reconciliation.tasks import DAILY_AT, RECONCILE_TASK, previous_vn_day
from penalties.decisions.models import Decision, DecisionStatus
from tests.support.delivery import run_due_jobs
from tests.support.payments import a_decision

STAFF = "staff:6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d99"


def applied(db: Session, payment: Payment, outcome: Outcome, event_id: str) -> None:
    event = CallbackEvent(
        event_id=event_id,
        gateway_ref=payment.gateway_ref or "",
        reference=payment.reference,
        outcome=outcome,
        amount_vnd=payment.amount_vnd,
        currency="VND",
        occurred_at=None,
    )
    service.apply_event(db, "fake", event)


def line(payment: Payment, *, amount: int | None = None, day: date | None = None) -> SettlementLine:
    return SettlementLine(
        gateway_ref=payment.gateway_ref or "",
        reference=payment.reference,
        amount_vnd=payment.amount_vnd if amount is None else amount,
        outcome=Outcome.succeeded,
        settled_on=day,
        transaction_no=f"T{payment.reference[:6]}",
    )


@dataclass
class Planted:
    gw: FakeGateway
    day: date
    lost_ipn: Payment  # pending here, succeeded at the gateway → missing_here
    not_at_gateway: Payment  # succeeded here, unknown at the gateway → missing_at_gateway
    wrong_amount: Payment  # succeeded here, the gateway took another amount → amount_differs
    twice: Payment  # needs_refund: a second success for a paid decision → paid_twice
    twice_lost: Payment  # pending here, succeeded at the gateway, its decision paid by another → paid_twice
    unknown_ref: str  # a gateway success no payment of ours has → missing_here without a payment


def plant(db: Session) -> Planted:
    load_tasks()
    gw, day = FakeGateway(), vn_today()

    def pay(serial: int) -> Payment:
        return service.create_payment(db, a_decision(db, serial), actor="test", gateway=gw)

    lost_ipn = pay(9301)
    gw.report_line(day, line(lost_ipn))

    not_at_gateway = pay(9302)
    applied(db, not_at_gateway, Outcome.succeeded, "ok-2")  # the fake's query says pending: not there

    wrong_amount = pay(9303)
    applied(db, wrong_amount, Outcome.succeeded, "ok-3")
    gw.report_line(day, line(wrong_amount, amount=wrong_amount.amount_vnd - 1000))

    first = pay(9304)
    decision = first.decision
    applied(db, first, Outcome.failed, "fail-4")
    paying = service.create_payment(db, decision, actor="test", gateway=gw)
    applied(db, paying, Outcome.succeeded, "ok-4")
    applied(db, first, Outcome.succeeded, "late-4")  # the bank took it after all
    assert first.status is PaymentStatus.needs_refund
    gw.report_line(day, line(paying))
    gw.report_line(day, line(first))

    lost_first = pay(9305)
    applied(db, lost_first, Outcome.canceled, "cancel-5")
    lost_paying = service.create_payment(db, lost_first.decision, actor="test", gateway=gw)
    applied(db, lost_paying, Outcome.succeeded, "ok-5")
    gw.report_line(day, line(lost_paying))
    gw.report_line(day, line(lost_first))  # the citizen paid the cancelled page after all: IPN lost

    gw.report_line(
        day,
        SettlementLine("fake_STRANGER", "STRANGER", 250_000, Outcome.succeeded, day, transaction_no="T999"),
    )
    db.commit()
    return Planted(gw, day, lost_ipn, not_at_gateway, wrong_amount, first, lost_first, "fake_STRANGER")


def mismatches(db: Session) -> dict[tuple[MismatchKind, str], Mismatch]:
    return {(m.kind, m.gateway_ref): m for m in db.scalars(select(Mismatch))}


def audits(db: Session, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_each_planted_mismatch_kind_is_found_and_a_rerun_adds_none(db: Session) -> None:
    p = plant(db)
    run = reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    found = mismatches(db)
    ref = lambda payment: payment.gateway_ref  # noqa: E731
    assert set(found) == {
        (MismatchKind.missing_here, ref(p.lost_ipn)),
        (MismatchKind.missing_at_gateway, ref(p.not_at_gateway)),
        (MismatchKind.amount_differs, ref(p.wrong_amount)),
        (MismatchKind.paid_twice, ref(p.twice)),
        (MismatchKind.paid_twice, ref(p.twice_lost)),
        (MismatchKind.missing_here, p.unknown_ref),
    }
    assert (run.status, run.found, run.seen_again, run.gateway_lines) == (RunStatus.done, 6, 0, 7)
    assert run.our_payments == 7  # every attempt of the day, failed and cancelled ones included
    wrong = found[(MismatchKind.amount_differs, ref(p.wrong_amount))]
    assert (wrong.gateway_amount_vnd, wrong.our_amount_vnd) == (
        p.wrong_amount.amount_vnd - 1000,
        p.wrong_amount.amount_vnd,
    )
    stranger = found[(MismatchKind.missing_here, p.unknown_ref)]
    assert stranger.payment_id is None and stranger.gateway_amount_vnd == 250_000
    assert (
        found[(MismatchKind.missing_here, ref(p.lost_ipn))].transaction_no == f"T{p.lost_ipn.reference[:6]}"
    )
    [entry] = audits(db, "payments.reconcile")
    assert entry.detail["found"] == 6 and entry.object_id == str(run.id)

    again = reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    assert (again.found, again.seen_again) == (0, 6)
    assert db.scalar(select(func.count()).select_from(Mismatch)) == 6
    assert db.scalar(select(func.count()).select_from(ReconciliationRun)) == 2


def test_a_payment_outside_the_report_but_confirmed_when_asked_is_no_mismatch(db: Session) -> None:
    """Paid here late in a day whose report lists the charge on the next day: asked, the gateway says
    succeeded, so nothing is listed."""
    p = plant(db)
    p.gw.outcomes[p.not_at_gateway.gateway_ref or ""] = Outcome.succeeded
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    assert (MismatchKind.missing_at_gateway, p.not_at_gateway.gateway_ref) not in mismatches(db)


def test_another_day_lists_nothing_of_this_one(db: Session) -> None:
    p = plant(db)
    run = reconciliation.reconcile(db, p.gw, p.day - timedelta(days=1), actor="system")
    assert (run.our_payments, run.found) == (0, 0)


def _one(
    db: Session, kind: MismatchKind, payment: Payment | None = None, *, ref: str | None = None
) -> Mismatch:
    """The mismatch of this kind for ``payment`` (or gateway ref ``ref``; else the only one)."""
    query = select(Mismatch).where(Mismatch.kind == kind)
    if payment is not None:
        query = query.where(Mismatch.payment_id == payment.id)
    if ref is not None:
        query = query.where(Mismatch.gateway_ref == ref)
    return db.scalars(query).one()


def _reload(db: Session, payment: Payment) -> Payment:
    db.rollback()
    db.expire_all()
    found = db.get(Payment, payment.id)
    assert found is not None
    return found


def test_attach_a_lost_ipn_settles_the_decision_once_and_is_audited(db: Session) -> None:
    p = plant(db)
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    lost = _one(db, MismatchKind.missing_here, p.lost_ipn)
    resolve.attach(db, lost.id, actor=STAFF, note="IPN lost on 1/12")
    db.commit()
    assert _reload(db, p.lost_ipn).status is PaymentStatus.succeeded
    assert service.SETTLE_TASK in run_due_jobs(only={service.SETTLE_TASK})
    payment = _reload(db, p.lost_ipn)
    [settle] = db.scalars(select(Job).where(Job.key == f"{service.SETTLE_TASK}:{payment.id}")).all()
    assert settle.status == "done"
    assert payment.receipt_number and payment.gateway_txn_no == f"T{p.lost_ipn.reference[:6]}"
    assert payment.decision.status is DecisionStatus.paid
    resolved = db.get(Mismatch, lost.id)
    assert resolved is not None and (resolved.status, resolved.resolution, resolved.resolved_by) == (
        MismatchStatus.resolved,
        Resolution.attach,
        STAFF,
    )
    [entry] = audits(db, "payment_mismatch.attach")
    assert entry.actor == STAFF and entry.detail["payment"] == str(p.lost_ipn.id)

    with pytest.raises(ResolutionRefused, match="already resolved"):
        resolve.attach(db, lost.id, actor=STAFF)
    db.rollback()
    rerun = reconciliation.reconcile(db, p.gw, p.day, actor="system")
    assert rerun.found == 0  # attached: no longer a difference, and the known one is not reopened


def test_attach_is_refused_when_it_makes_no_sense(db: Session) -> None:
    p = plant(db)
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    for target, why in [
        (_one(db, MismatchKind.missing_here, ref=p.unknown_ref), "no payment of ours"),  # a stranger's money
        (_one(db, MismatchKind.paid_twice, p.twice_lost), "only money the gateway took and we missed"),
        (_one(db, MismatchKind.missing_at_gateway, p.not_at_gateway), "only money the gateway took"),
    ]:
        with pytest.raises(ResolutionRefused, match=why):
            resolve.attach(db, target.id, actor=STAFF)
        db.rollback()

    # The decision got paid by another attempt after the run: attaching would pay it twice.
    lost = _one(db, MismatchKind.missing_here, p.lost_ipn)
    other = Payment(
        decision_id=p.lost_ipn.decision_id,
        idempotency_key="other-attempt",
        reference="OTHERATTEMPT",
        amount_vnd=p.lost_ipn.amount_vnd,
        late_charge_vnd=0,
        currency="VND",
        gateway="fake",
        gateway_ref="fake_OTHERATTEMPT",
        status=PaymentStatus.succeeded,
        refunded_vnd=0,
    )
    db.add(other)
    db.commit()
    with pytest.raises(ResolutionRefused, match="cannot pay it"):
        resolve.attach(db, lost.id, actor=STAFF)
    db.rollback()
    assert _reload(db, p.lost_ipn).status is PaymentStatus.pending
    # ...so the money goes back instead: recorded as taken twice, then refunded.
    resolve.refund(db, lost.id, actor=STAFF, gateway=p.gw)
    db.commit()
    assert _reload(db, p.lost_ipn).status is PaymentStatus.refunded
    assert not audits(db, "payment_mismatch.attach")


def test_refund_a_payment_taken_twice(db: Session) -> None:
    p = plant(db)
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    twice = _one(db, MismatchKind.paid_twice, p.twice)
    resolve.refund(db, twice.id, actor=STAFF, note="citizen paid twice", gateway=p.gw)
    db.commit()
    payment = _reload(db, p.twice)
    assert (payment.status, payment.refunded_vnd) == (PaymentStatus.refunded, payment.amount_vnd)
    assert p.gw.refunds == [(p.twice.gateway_ref, p.twice.amount_vnd)]
    [entry] = audits(db, "payment_mismatch.refund")
    assert entry.actor == STAFF and entry.detail["amount_vnd"] == payment.amount_vnd
    assert [e.actor for e in audits(db, "payment.refund")] == [STAFF]
    with pytest.raises(ResolutionRefused, match="already resolved"):
        resolve.refund(db, twice.id, actor=STAFF, gateway=p.gw)
    db.rollback()

    # The IPN of the second payment never came: the refund records the gateway's success first.
    lost = _one(db, MismatchKind.paid_twice, p.twice_lost)
    resolve.refund(db, lost.id, actor=STAFF, gateway=p.gw)
    db.commit()
    assert _reload(db, p.twice_lost).status is PaymentStatus.refunded
    decision = db.get(Decision, p.twice_lost.decision_id)
    assert decision is not None
    assert service.paid_payment(db, decision.id) is not None  # the decision keeps the payment that paid it
    assert len(p.gw.refunds) == 2


def test_refund_is_refused_for_unpaid_and_not_twice_paid_payments(db: Session) -> None:
    p = plant(db)
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    with pytest.raises(ResolutionRefused, match="only money taken twice"):
        resolve.refund(db, _one(db, MismatchKind.missing_at_gateway).id, actor=STAFF, gateway=p.gw)
    db.rollback()
    # A lost IPN of a decision paid by nothing else: it is the decision's payment, not one to refund.
    with pytest.raises(ResolutionRefused, match="attach it instead"):
        resolve.refund(db, _one(db, MismatchKind.missing_here, p.lost_ipn).id, actor=STAFF, gateway=p.gw)
    db.rollback()
    assert _reload(db, p.lost_ipn).status is PaymentStatus.pending  # nothing of the refused action stays
    assert p.gw.refunds == [] and not audits(db, "payment_mismatch.refund")

    # Refunded already (through the refunds API): nothing left to give back here.
    twice = _one(db, MismatchKind.paid_twice, p.twice)
    service.refund_payment(
        db, _reload(db, p.twice), p.twice.amount_vnd, reason="by hand", actor=STAFF, gateway=p.gw
    )
    db.commit()
    with pytest.raises(ResolutionRefused, match="refunded"):
        resolve.refund(db, twice.id, actor=STAFF, gateway=p.gw)
    db.rollback()
    assert len(p.gw.refunds) == 1


def test_write_off_needs_a_note_and_closes_once(db: Session) -> None:
    p = plant(db)
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    missing = _one(db, MismatchKind.missing_at_gateway)
    with pytest.raises(NoteRequired):
        resolve.write_off(db, missing.id, actor=STAFF, note="  ")
    resolve.write_off(db, missing.id, actor=STAFF, note="cash payment at the counter, receipt 12")
    db.commit()
    closed = db.get(Mismatch, missing.id)
    assert closed is not None and (closed.resolution, closed.note) == (
        Resolution.write_off,
        "cash payment at the counter, receipt 12",
    )
    [entry] = audits(db, "payment_mismatch.write_off")
    assert entry.actor == STAFF and entry.detail["note"] == closed.note
    for action in (resolve.attach, resolve.write_off):
        with pytest.raises(ResolutionRefused, match="already resolved"):
            action(db, missing.id, actor=STAFF, note="again please")
        db.rollback()
    rerun = reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    assert rerun.found == 0 and db.get(Mismatch, missing.id).status is MismatchStatus.resolved  # type: ignore[union-attr]


def test_the_daily_job_is_scheduled_early_morning_for_the_previous_vietnam_day(db: Session) -> None:
    load_tasks()
    schedule = SCHEDULES[RECONCILE_TASK]
    assert (schedule.every, schedule.offset) == (timedelta(days=1), DAILY_AT)
    slot = schedule.slot(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # 10:00 in Vietnam on 1/12
    assert slot == datetime(2026, 11, 30, 19, 30, tzinfo=UTC)  # 02:30 in Vietnam on 1/12
    assert previous_vn_day(slot) == date(2026, 11, 30)
    assert previous_vn_day(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == date(2026, 11, 29)  # 23:59 VN


def test_the_job_reconciles_each_gateway_of_the_day(db: Session) -> None:
    p = plant(db)
    from core.jobs import enqueue

    enqueue(db, RECONCILE_TASK, {"day": p.day.isoformat()}, key=f"{RECONCILE_TASK}:test")
    db.commit()
    assert run_due_jobs(only={RECONCILE_TASK}) == [RECONCILE_TASK]
    db.rollback()
    job = db.scalar(select(Job).where(Job.name == RECONCILE_TASK))
    assert job is not None and job.status == "done"
    [run] = db.scalars(select(ReconciliationRun)).all()
    # The job's fake gateway is a fresh one: it reports nothing, so every paid payment is unconfirmed
    # (and our own needs_refund row is money taken twice, report or not).
    assert (run.gateway, run.day, run.status, run.started_by) == ("fake", p.day, RunStatus.done, "system")
    assert {m.kind for m in db.scalars(select(Mismatch))} == {
        MismatchKind.missing_at_gateway,
        MismatchKind.paid_twice,
    }
    [summary] = audits(db, "payments.reconcile_day")
    assert summary.detail["runs"]["fake"]["found"] == run.found > 0


def test_cli_reconciles_a_day_and_says_so(db: Session) -> None:
    p = plant(db)
    runner = CliRunner()
    result = runner.invoke(cli, ["payments", "reconcile", "--day", p.day.isoformat(), "--gateway", "fake"])
    assert result.exit_code == 0, result.output
    assert f"{p.day} · fake: done" in result.output and "new mismatches" in result.output
    again = runner.invoke(cli, ["payments", "reconcile", "--day", p.day.isoformat()])
    assert again.exit_code == 0 and "0 new mismatches" in again.output
    bad = runner.invoke(cli, ["payments", "reconcile", "--day", "1/12/2026"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    unknown = runner.invoke(cli, ["payments", "reconcile", "--day", p.day.isoformat(), "--gateway", "paypal"])
    assert unknown.exit_code == 1 and "failed" in unknown.output
    db.rollback()
    failed = db.scalar(select(ReconciliationRun).where(ReconciliationRun.gateway == "paypal"))
    assert failed is not None and failed.status is RunStatus.failed and "paypal" in (failed.error or "")
