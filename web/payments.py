"""The reconciliation page: the daily runs against each gateway, the mismatches they found (each with
its facts) and the resolve actions (refund, attach, write off) as POST forms with CSRF, every action and
every read of a person's payment audited.

Supervisors, not ops: resolving moves a citizen's money or settles a sanction decision (attach closes
its clocks, lifts warnings), the decisions and refunds are the supervisors' (POST /decisions, POST
/api/payments/{id}/refunds); ops run the machinery (jobs) and see no one's fines.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from core import audit
from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.errors import AppError
from core.models import Role
from core.pagination import PageNumber
from payments.reconciliation import resolve, service
from payments.reconciliation.models import Mismatch, MismatchKind, MismatchStatus, Resolution
from penalties.decisions.models import DecisionStatus
from web.i18n import lang_of, translator
from web.routes import check_csrf, render

router = APIRouter(tags=["web"], include_in_schema=False)
Supervisor = Annotated[Principal, Depends(require(Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
Note = Annotated[str, Form(max_length=1000)]
Csrf = Annotated[str, Form(max_length=100)]
PAGE = "/payments/reconciliation"
MISMATCHES_PAGE = 50
RUNS_PAGE = 20


def _error_text(request: Request, exc: AppError) -> str:
    t = translator(lang_of(request))
    said = t(f"reconcile_error_{exc.name}")
    return f"{said} ({exc.detail})" if said != f"reconcile_error_{exc.name}" else str(exc.detail)


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    *,
    status: MismatchStatus = MismatchStatus.open,
    page: int = 1,
    runs_page: int = 1,
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    mismatches, total = service.list_mismatches(db, status=status, page=page, size=MISMATCHES_PAGE)
    runs, runs_total = service.list_runs(db, page=runs_page, size=RUNS_PAGE)
    shown = [m for m in mismatches if m.payment is not None]
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="payment_mismatches",
        object_id=None,
        purpose="reconciliation page",
        mismatches=[str(m.id) for m in mismatches],
        payments=[str(m.payment_id) for m in shown],
        decisions=[m.payment.decision.number for m in shown if m.payment is not None],
        owners=sorted({m.payment.decision.cccd for m in shown if m.payment is not None}),
    )
    return render(
        request,
        "reconciliation.html",
        principal,
        status_code=status_code,
        mismatches=mismatches,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / MISMATCHES_PAGE)),
        runs=runs,
        runs_total=runs_total,
        runs_page=runs_page,
        runs_pages=max(1, math.ceil(runs_total / RUNS_PAGE)),
        status=status.value,
        statuses=[s.value for s in MismatchStatus],
        actions=actions_of,
        error=error,
        done=done if done in {r.value for r in Resolution} else None,
    )


def actions_of(mismatch: Mismatch) -> list[str]:
    """The actions the page offers for a mismatch (the service still decides: it may refuse)."""
    if mismatch.status is not MismatchStatus.open:
        return []
    payment = mismatch.payment
    if payment is None:
        return ["write_off"]
    decision_open = payment.decision.status is DecisionStatus.issued
    offered = []
    if mismatch.kind is MismatchKind.missing_here and decision_open:
        offered.append("attach")
    if mismatch.kind is MismatchKind.paid_twice or (
        mismatch.kind is MismatchKind.missing_here and payment.decision.status is DecisionStatus.paid
    ):
        offered.append("refund")
    return [*offered, "write_off"]


@router.get(PAGE)
def reconciliation_page(
    request: Request,
    db: AuditedDB,
    principal: Supervisor,
    status: MismatchStatus = MismatchStatus.open,
    page: PageNumber = 1,
    runs_page: PageNumber = 1,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The runs, newest first, and the mismatches (open ones by default)."""
    return _page(request, db, principal, status=status, page=page, runs_page=runs_page, done=done)


def _resolve(
    request: Request,
    db: Session,
    principal: Principal,
    csrf: str,
    action: Resolution,
    call: Callable[[], object],
) -> Response:
    check_csrf(request, csrf)
    try:
        call()
    except AppError as exc:
        db.rollback()  # nothing of a refused action stays (the gateway's answer included)
        return _page(request, db, principal, error=_error_text(request, exc), status_code=exc.status_code)
    return RedirectResponse(f"{PAGE}?done={action.value}", status_code=303)


@router.post(PAGE + "/{mismatch_id}/attach")
def attach_action(
    request: Request,
    mismatch_id: uuid.UUID,
    db: AuditedDB,
    principal: Supervisor,
    csrf: Csrf = "",
    note: Note = "",
) -> Response:
    """Apply the gateway's success we missed to our payment; the settle job then pays the decision."""
    return _resolve(
        request,
        db,
        principal,
        csrf,
        Resolution.attach,
        lambda: resolve.attach(db, mismatch_id, actor=principal.actor, note=note),
    )


@router.post(PAGE + "/{mismatch_id}/refund")
def refund_action(
    request: Request,
    mismatch_id: uuid.UUID,
    db: AuditedDB,
    principal: Supervisor,
    csrf: Csrf = "",
    note: Note = "",
) -> Response:
    """Give back money taken for a decision another payment already paid."""
    return _resolve(
        request,
        db,
        principal,
        csrf,
        Resolution.refund,
        lambda: resolve.refund(db, mismatch_id, actor=principal.actor, note=note),
    )


@router.post(PAGE + "/{mismatch_id}/write-off")
def write_off_action(
    request: Request,
    mismatch_id: uuid.UUID,
    db: AuditedDB,
    principal: Supervisor,
    csrf: Csrf = "",
    note: Note = "",
) -> Response:
    """Close the mismatch with a note saying why (required)."""
    return _resolve(
        request,
        db,
        principal,
        csrf,
        Resolution.write_off,
        lambda: resolve.write_off(db, mismatch_id, actor=principal.actor, note=note),
    )
