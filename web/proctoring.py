"""The proctor's review queue for online exams (issue 15): an exam's flags newest first, each with the
candidate, the kind, the time in Vietnam, the face distance against the threshold and the flagged frame
(served by the audited API route, with the page's session cookie), and a dismiss / confirm form with a
reason. Every listing is an audited read; every resolution is audited by the service."""

from __future__ import annotations

import math
import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.errors import AppError
from core.models import Role
from core.pagination import PageNumber
from exams import service as exams_service
from exams.proctoring import service
from exams.proctoring.models import FlagStatus
from exams.proctoring.schemas import ResolutionCreate
from web import proctoring_text  # noqa: F401 - registers the page text
from web.i18n import lang_of, translator
from web.routes import DB, check_csrf, form_model, render

router = APIRouter(tags=["web"], include_in_schema=False)
Officer = Annotated[Principal, Depends(require(Role.exam_officer, Role.admin))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
PAGE = 20


class Show(StrEnum):
    open = "open"
    resolved = "resolved"
    all = "all"


SHOWN: dict[Show, tuple[FlagStatus, ...]] = {
    Show.open: (FlagStatus.open,),
    Show.resolved: (FlagStatus.dismissed, FlagStatus.confirmed),
    Show.all: tuple(FlagStatus),
}


@router.get("/proctoring")
def exams_page(request: Request, db: DB, principal: Officer, page: PageNumber = 1) -> Response:
    rows, total = service.online_exams(db, page=page, size=PAGE)
    return render(
        request,
        "proctoring/exams.html",
        principal,
        rows=rows,
        page=page,
        pages=max(1, math.ceil(total / PAGE)),
    )


def _error_text(request: Request, exc: AppError) -> str:
    t = translator(lang_of(request))
    key = f"proctor_error_{exc.name}"
    said = t(key)
    return f"{said} ({exc.detail})" if said != key else str(exc.detail)


def _queue(
    request: Request,
    db: Session,
    principal: Principal,
    exam_id: uuid.UUID,
    *,
    show: Show,
    page: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    exam = exams_service.get_exam(db, exam_id)
    flags, total = service.list_flags(db, exam, statuses=SHOWN[show], page=page, size=PAGE, newest_first=True)
    service.audit_queue_read(
        db, exam, flags, actor=principal.actor, purpose="proctor queue page", with_others=True
    )
    return render(
        request,
        "proctoring/queue.html",
        principal,
        status_code=status_code,
        exam=exam,
        flags=flags,
        total=total,
        show=show.value,
        shows=[s.value for s in Show],
        page=page,
        pages=max(1, math.ceil(total / PAGE)),
        error=error,
    )


@router.get("/proctoring/{exam_id}")
def queue_page(
    request: Request,
    exam_id: uuid.UUID,
    db: AuditedDB,
    principal: Officer,
    show: Show = Show.open,
    page: PageNumber = 1,
) -> Response:
    return _queue(request, db, principal, exam_id, show=show, page=page)


@router.post("/proctoring/{exam_id}/flags/{flag_id}/resolution")
def resolve_page(
    request: Request,
    exam_id: uuid.UUID,
    flag_id: uuid.UUID,
    db: AuditedDB,
    principal: Officer,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",  # the schema says what is too long
    show: Annotated[Show, Form()] = Show.open,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        body = form_model(ResolutionCreate, decision=decision, reason=reason.strip())
        flag = service.get_flag(db, exams_service.get_exam(db, exam_id), flag_id)
        service.resolve(db, flag, FlagStatus(body.decision), body.reason, actor=principal.actor)
    except AppError as exc:
        db.rollback()
        error = _error_text(request, exc)
        return _queue(
            request, db, principal, exam_id, show=show, page=1, error=error, status_code=exc.status_code
        )
    return RedirectResponse(f"/proctoring/{exam_id}?show={show.value}&done={flag_id}", status_code=303)
