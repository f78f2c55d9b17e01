"""Comparing a gateway's report of a Vietnam day with our payments, recording what differs once, and
the staff's resolve actions. Services only flush: the job, the command or the request commits.

What counts as ours for a day: every attempt at that gateway created or paid during the day (VNPay is
asked about each of them: it has no report). A gateway success we do not record as paid is
``missing_here`` (or ``paid_twice`` when the decision is already paid by another payment); a payment
we record as paid that the gateway neither reports nor confirms when asked is ``missing_at_gateway``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.time import VN_TZ, utc_now
from payments import service as payments
from payments.gateways.base import (
    Attempt,
    Gateway,
    GatewayError,
    GatewayReport,
    Outcome,
    SettlementLine,
)
from payments.gateways.vnpay import VNPay
from payments.models import Payment, PaymentStatus
from payments.reconciliation.models import (
    Mismatch,
    MismatchKind,
    MismatchStatus,
    ReconciliationRun,
    RunStatus,
)

logger = logging.getLogger(__name__)
AT_GATEWAY = (Outcome.succeeded, Outcome.refunded)  # the gateway took the money (maybe gave it back)
RECORDED_PAID = (PaymentStatus.succeeded, PaymentStatus.refunded, PaymentStatus.needs_refund)
NOT_PAID_HERE = (PaymentStatus.pending, PaymentStatus.failed, PaymentStatus.canceled)


@dataclass(frozen=True)
class Finding:
    kind: MismatchKind
    gateway_ref: str
    payment: Payment | None
    line: SettlementLine | None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of a Vietnam day, in UTC."""
    start = datetime.combine(day, time.min, tzinfo=VN_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def payments_of_day(session: Session, gateway: str, day: date) -> list[Payment]:
    start, end = day_bounds(day)
    return list(
        session.scalars(
            select(Payment)
            .where(
                Payment.gateway == gateway,
                Payment.gateway_ref.is_not(None),
                or_(
                    (Payment.created_at >= start) & (Payment.created_at < end),
                    (Payment.paid_at >= start) & (Payment.paid_at < end),
                ),
            )
            .order_by(Payment.created_at)
        )
    )


def reconcile_gateway(
    session: Session, name: str, day: date, *, actor: str, now: datetime | None = None
) -> ReconciliationRun:
    """``reconcile`` with the configured adapter of ``name``; one that cannot be made (unknown name,
    missing keys) is a failed run, recorded like any other."""
    try:
        gateway = payments.gateway_for(name)
    except (LookupError, ValueError, GatewayError) as exc:
        run = ReconciliationRun(
            gateway=name[:30],
            day=day,
            started_by=actor,
            started_at=now or utc_now(),
            finished_at=utc_now(),
            status=RunStatus.failed,
            gateway_lines=0,
            our_payments=0,
            found=0,
            seen_again=0,
            unchecked=0,
            error=f"{exc.__class__.__name__}: {exc}"[:500],
        )
        session.add(run)
        _audit_run(session, run)
        return run
    return reconcile(session, gateway, day, actor=actor, now=now)


def reconcile(
    session: Session, gateway: Gateway, day: date, *, actor: str, now: datetime | None = None
) -> ReconciliationRun:
    """One run: the gateway's report of ``day`` against our payments; new mismatches recorded, known
    ones marked seen again. A gateway that cannot give its report makes a failed run (recorded)."""
    now = now or utc_now()
    run = ReconciliationRun(
        gateway=gateway.name,
        day=day,
        started_by=actor,
        started_at=now,
        status=RunStatus.running,
        gateway_lines=0,
        our_payments=0,
        found=0,
        seen_again=0,
        unchecked=0,
    )
    session.add(run)
    session.flush()
    ours = payments_of_day(session, gateway.name, day)
    run.our_payments = len(ours)
    try:
        report = gateway.report(day, [Attempt(p.gateway_ref or "", p.reference, p.created_at) for p in ours])
        findings, unchecked = compare(session, gateway, day, ours, report)
    except GatewayError as exc:
        run.status, run.error, run.finished_at = RunStatus.failed, str(exc)[:500], utc_now()
        _audit_run(session, run)
        return run
    run.gateway_lines, run.unchecked = len(report.lines), unchecked
    for finding in findings:
        if _record(session, run, finding, now):
            run.found += 1
        else:
            run.seen_again += 1
    run.status = RunStatus.partial if unchecked else RunStatus.done
    run.finished_at = utc_now()
    _audit_run(session, run)
    return run


def compare(
    session: Session, gateway: Gateway, day: date, ours: list[Payment], report: GatewayReport
) -> tuple[list[Finding], int]:
    """(what differs, how many of our paid payments could not be checked)."""
    by_ref = {p.gateway_ref: p for p in ours}
    lines_of: dict[str, list[SettlementLine]] = {}
    for each in report.lines:
        lines_of.setdefault(each.gateway_ref, []).append(each)
    findings: dict[tuple[MismatchKind, str], Finding] = {}

    def add(kind: MismatchKind, ref: str, payment: Payment | None, line: SettlementLine | None) -> None:
        findings.setdefault((kind, ref), Finding(kind, ref, payment, line))

    for ref, lines in lines_of.items():
        line = next((x for x in lines if x.outcome is Outcome.succeeded), None)
        if line is None:
            continue
        payment = by_ref.get(ref) or _ours(session, gateway.name, line)
        if payment is None:
            add(MismatchKind.missing_here, ref, None, line)
        elif line.amount_vnd != payment.amount_vnd:
            add(MismatchKind.amount_differs, ref, payment, line)
        elif payment.status is PaymentStatus.needs_refund:
            add(MismatchKind.paid_twice, ref, payment, line)
        elif payment.status in NOT_PAID_HERE:
            paid_by = payments.paid_payment(session, payment.decision_id)
            kind = MismatchKind.paid_twice if paid_by is not None else MismatchKind.missing_here
            add(kind, ref, payment, line)

    start, end = day_bounds(day)
    unchecked = 0
    for payment in ours:
        ref = payment.gateway_ref or ""
        if (
            payment.status not in RECORDED_PAID
            or payment.paid_at is None
            or not start <= payment.paid_at < end
        ):
            continue
        if payment.status is PaymentStatus.needs_refund:
            add(MismatchKind.paid_twice, ref, payment, _line(lines_of.get(ref)))
        if any(x.outcome in AT_GATEWAY for x in lines_of.get(ref, [])):
            continue
        if ref in report.unchecked:
            unchecked += 1
            continue
        if ref not in lines_of:  # not in the day's report: it may sit in another day's; ask
            try:
                asked = _ask(gateway, payment)
            except GatewayError as exc:
                logger.warning("reconciliation: %s %s not answered: %s", gateway.name, ref, exc)
                unchecked += 1
                continue
            if asked in AT_GATEWAY:
                continue
        add(MismatchKind.missing_at_gateway, ref, payment, _line(lines_of.get(ref)))
    return list(findings.values()), unchecked


def _line(lines: list[SettlementLine] | None) -> SettlementLine | None:
    return lines[0] if lines else None


def _ours(session: Session, gateway: str, line: SettlementLine) -> Payment | None:
    found = payments.find_payment(session, gateway, line.gateway_ref)
    if found is None and line.reference:
        found = session.scalar(
            select(Payment).where(Payment.gateway == gateway, Payment.reference == line.reference)
        )
    return found


def _ask(gateway: Gateway, payment: Payment) -> Outcome:
    ref = payment.gateway_ref or ""
    if isinstance(gateway, VNPay):
        return gateway.query(ref, payment.reference, transaction_date=payment.created_at).outcome
    return gateway.query(ref, payment.reference).outcome


def _record(session: Session, run: ReconciliationRun, finding: Finding, now: datetime) -> bool:
    """True if the mismatch is new; a known one (open or resolved) is only marked seen again."""
    known = session.scalar(
        select(Mismatch).where(
            Mismatch.gateway == run.gateway,
            Mismatch.kind == finding.kind,
            Mismatch.gateway_ref == finding.gateway_ref,
        )
    )
    if known is not None:
        known.last_seen_at = now
        return False
    line, payment = finding.line, finding.payment
    mismatch = Mismatch(
        run_id=run.id,
        gateway=run.gateway,
        day=run.day,
        kind=finding.kind,
        gateway_ref=finding.gateway_ref,
        reference=payment.reference if payment is not None else (line.reference if line else None),
        transaction_no=(line.transaction_no if line else None)
        or (payment.gateway_txn_no if payment else None),
        gateway_outcome=str(line.outcome) if line is not None else None,
        gateway_amount_vnd=line.amount_vnd if line is not None and line.outcome in AT_GATEWAY else None,
        payment_id=payment.id if payment is not None else None,
        our_amount_vnd=payment.amount_vnd if payment is not None else None,
        last_seen_at=now,
        status=MismatchStatus.open,
    )
    try:
        with session.begin_nested():
            session.add(mismatch)
            session.flush()
    except IntegrityError:  # a run of the same day at the same moment recorded it first
        return False
    return True


def _audit_run(session: Session, run: ReconciliationRun) -> None:
    session.flush()
    audit.record(
        session,
        actor=run.started_by,
        action="payments.reconcile",
        object_type="reconciliation_run",
        object_id=run.id,
        detail={"gateway": run.gateway, "day": run.day.isoformat(), **run_counts(run)},
    )


def run_counts(run: ReconciliationRun) -> dict[str, object]:
    return {
        "status": str(run.status),
        "gateway_lines": run.gateway_lines,
        "our_payments": run.our_payments,
        "found": run.found,
        "seen_again": run.seen_again,
        "unchecked": run.unchecked,
        **({"error": run.error} if run.error else {}),
    }


def gateways_of_day(session: Session, day: date) -> list[str]:
    """The gateways with payments created or paid during ``day``."""
    start, end = day_bounds(day)
    return list(
        session.scalars(
            select(Payment.gateway)
            .where(
                or_(
                    (Payment.created_at >= start) & (Payment.created_at < end),
                    (Payment.paid_at >= start) & (Payment.paid_at < end),
                )
            )
            .distinct()
            .order_by(Payment.gateway)
        )
    )


# --- listing -------------------------------------------------------------------------------------


def list_runs(session: Session, *, page: int, size: int) -> tuple[list[ReconciliationRun], int]:
    total = session.scalar(select(func.count()).select_from(ReconciliationRun)) or 0
    rows = session.scalars(
        select(ReconciliationRun)
        .order_by(ReconciliationRun.started_at.desc(), ReconciliationRun.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(rows), total


def list_mismatches(
    session: Session, *, status: MismatchStatus, page: int, size: int
) -> tuple[list[Mismatch], int]:
    total = session.scalar(select(func.count()).where(Mismatch.status == status)) or 0
    rows = session.scalars(
        select(Mismatch)
        .where(Mismatch.status == status)
        .order_by(Mismatch.day.desc(), Mismatch.created_at.desc(), Mismatch.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(rows), total
