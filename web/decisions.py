"""The supervisors' sanction decisions in the review console: the notices waiting for a decision,
grouped by liable person, the issue form, a decision's page and the list of decisions (every read of a
person's data audited)."""

from __future__ import annotations

import math
import uuid
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
from core.time import utc_now
from penalties.decisions import service
from penalties.decisions.document import PAYMENT_DAYS
from penalties.decisions.models import DecisionStatus
from penalties.decisions.schemas import DecisionCreate
from web.i18n import lang_of, translator
from web.routes import check_csrf, form_model, render

router = APIRouter(tags=["web"], include_in_schema=False)
Supervisor = Annotated[Principal, Depends(require(Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
PEOPLE_PAGE = 20
DECISIONS_PAGE = 50
Cccd = Annotated[str | None, Query(max_length=12, pattern=r"^\d{0,12}$")]


def _error_text(request: Request, exc: AppError) -> str:
    """The service's error in the page's language, its own detail after it."""
    t = translator(lang_of(request))
    key = f"decision_error_{exc.name}"
    said = t(key)
    return f"{said} ({exc.detail})" if said != key else str(exc.detail)


def _pending(
    request: Request,
    db: Session,
    principal: Principal,
    *,
    cccd: str | None,
    page: int,
    error: str | None = None,
    checked: frozenset[str] = frozenset(),
    status_code: int = 200,
) -> Response:
    groups, total = service.people_to_decide(db, cccd=cccd, page=page, size=PEOPLE_PAGE)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="notices",
        object_id=None,
        purpose="review console: notices to decide",
        notices=[str(n.id) for g in groups for n in g.notices],
        people=[g.cccd for g in groups],
    )
    return render(
        request,
        "decisions_pending.html",
        principal,
        status_code=status_code,
        groups=groups,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PEOPLE_PAGE)),
        cccd=cccd or "",
        error=error,
        checked=checked,
    )


@router.get("/decisions/pending")
def pending_page(
    request: Request, db: AuditedDB, principal: Supervisor, cccd: Cccd = None, page: PageNumber = 1
) -> Response:
    """Notices to decide: acknowledged ones, and delivered or overdue ones with the owner liable."""
    return _pending(request, db, principal, cccd=cccd, page=page)


@router.post("/decisions")
def issue_page(
    request: Request,
    db: AuditedDB,
    principal: Supervisor,
    notice_id: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006 - FastAPI copies defaults
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        body = form_model(DecisionCreate, notice_ids=notice_id)
        decision = service.issue_decision(db, body.notice_ids, issued_by=principal.user_id, now=utc_now())
    except AppError as exc:
        db.rollback()
        return _pending(
            request,
            db,
            principal,
            cccd=None,
            page=1,
            error=_error_text(request, exc),
            checked=frozenset(notice_id),
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/decisions/{decision.id}?issued=1", status_code=303)


@router.get("/decisions")
def decisions_page(
    request: Request,
    db: AuditedDB,
    principal: Supervisor,
    number: Annotated[str | None, Query(max_length=40)] = None,
    status: DecisionStatus | None = None,
    page: PageNumber = 1,
) -> Response:
    rows, total = service.list_decisions(db, status=status, page=page, size=DECISIONS_PAGE, number=number)
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="decisions",
        object_id=None,
        purpose="review console: decision list",
        decisions=[str(d.id) for d in rows],
    )
    return render(
        request,
        "decisions.html",
        principal,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / DECISIONS_PAGE)),
        number=number or "",
        status=status.value if status else "",
        statuses=[s.value for s in DecisionStatus],
    )


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, decision_id: uuid.UUID, db: AuditedDB, principal: Supervisor) -> Response:
    """A decision: its person, the notices it covers, amount, points, due date, documents and status."""
    decision = service.read_decision(
        db, decision_id, actor=principal.actor, purpose="review console: decision page"
    )
    return render(
        request,
        "decision.html",
        principal,
        d=decision,
        person_name=service.person_name(db, decision.cccd),
        payment_days=PAYMENT_DAYS,
    )
