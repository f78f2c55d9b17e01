"""The exam desk (exam officers, admins): exams newest first, an exam's candidates with their latest
check-in, and the check-in of one candidate: the card data as the desk NFC reader exports it (chip
files) or the printed QR/MRZ text, and live frames from the browser camera (or files). The answer
shows the verdict with the chip photo and a live frame side by side as data: URIs of that response
only: nothing of them is stored. The officer then admits or refuses with a reason (exams.service.
desk_decide states the rules); only an officer's admission lets a candidate in."""

from __future__ import annotations

import base64
import math
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session, session_scope
from core.errors import AppError
from core.models import Role
from core.pagination import PageNumber
from core.time import VN_TZ
from exams import queries, routes, service
from exams.models import ExamKind, OfficerDecision
from exams.schemas import CandidateCreate, CheckinCreate, CheckinRead, DecisionCreate, ExamCreate
from identity.chip.trust import TrustStore
from identity.face.backend import FaceBackend
from identity.face.policy import FacePolicy
from web.exams_view import card_photos, message_of
from web.routes import check_csrf, form_model, render

router = APIRouter(tags=["web"], include_in_schema=False, default_response_class=HTMLResponse)
Officer = Annotated[Principal, Depends(require(Role.exam_officer, Role.admin))]
DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited
Csrf = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=1000)]
EXAMS_PAGE = 20


def _exams_page(
    request: Request,
    db: Session,
    principal: Principal,
    page: int = 1,
    error: str | None = None,
    code: int = 200,
) -> Response:
    rows, total = queries.list_exams(db, page=page, size=EXAMS_PAGE)
    return render(
        request,
        "exams/list.html",
        principal,
        status_code=code,
        exams=rows,
        page=page,
        pages=max(1, math.ceil(total / EXAMS_PAGE)),
        kinds=[k.value for k in ExamKind],
        error=error,
    )


@router.get("/exams")
def exams_page(request: Request, db: DB, principal: Officer, page: PageNumber = 1) -> Response:
    return _exams_page(request, db, principal, page)


@router.post("/exams")
def create_exam(
    request: Request,
    db: DB,
    principal: Officer,
    code: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    centre: Annotated[str, Form(max_length=200)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    csrf: Csrf = "",
) -> Response:
    """``starts_at`` comes from a datetime-local input: Vietnam's time."""
    check_csrf(request, csrf)
    try:
        local = datetime.fromisoformat(starts_at).replace(tzinfo=VN_TZ) if starts_at else None
        body = form_model(ExamCreate, code=code, kind=kind, centre=centre, starts_at=local)
        exam = service.create_exam(db, body, actor=principal.actor)
    except (AppError, ValueError) as exc:
        db.rollback()
        return _exams_page(request, db, principal, error=message_of(request, exc), code=_status(exc))
    return RedirectResponse(f"/exams/{exam.id}", status_code=303)


def _status(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, AppError) else 422


def _exam_page(
    request: Request,
    db: Session,
    principal: Principal,
    exam_id: uuid.UUID,
    error: str | None = None,
    code: int = 200,
) -> Response:
    exam = service.get_exam(db, exam_id)
    rows = queries.candidates(db, exam, actor=principal.actor)
    done = request.query_params.get("decided")
    return render(
        request,
        "exams/exam.html",
        principal,
        status_code=code,
        exam=exam,
        rows=rows,
        error=error,
        decided=done if done in {d.value for d in OfficerDecision} else None,
    )


@router.get("/exams/{exam_id}")
def exam_page(request: Request, exam_id: uuid.UUID, db: DB, principal: Officer) -> Response:
    return _exam_page(request, db, principal, exam_id)


@router.post("/exams/{exam_id}/candidates")
def register_candidate(
    request: Request,
    exam_id: uuid.UUID,
    db: DB,
    principal: Officer,
    cccd: Annotated[str, Form(max_length=20)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    csrf: Csrf = "",
) -> Response:
    check_csrf(request, csrf)
    exam = service.get_exam(db, exam_id)
    try:
        body = form_model(CandidateCreate, cccd=cccd.strip(), full_name=full_name.strip())
        service.register(db, exam, body.cccd, body.full_name, actor=principal.actor)
    except AppError as exc:
        db.rollback()
        return _exam_page(request, db, principal, exam_id, message_of(request, exc), exc.status_code)
    return RedirectResponse(f"/exams/{exam_id}", status_code=303)


def _desk(
    request: Request, db: Session, principal: Principal, exam_id: uuid.UUID, reg_id: uuid.UUID, **ctx: Any
) -> Response:
    exam = service.get_exam(db, exam_id)
    reg = queries.registration_by_id(db, exam, reg_id)
    return render(request, "exams/desk.html", principal, exam=exam, reg=reg, **ctx)


@router.get("/exams/{exam_id}/candidates/{reg_id}/checkin")
def desk_page(
    request: Request, exam_id: uuid.UUID, reg_id: uuid.UUID, db: DB, principal: Officer
) -> Response:
    return _desk(request, db, principal, exam_id, reg_id)


def _b64_file(upload: UploadFile | None) -> str | None:
    """A chosen file as base64; an input left empty is None (a chosen empty file stays "", refused)."""
    if upload is None or not upload.filename:
        return None
    return base64.b64encode(upload.file.read()).decode()


def checkin_body(
    cccd: str,
    chip_files: dict[str, UploadFile | None],
    qr_text: str,
    mrz_text: str,
    frame_files: list[UploadFile],
) -> CheckinCreate:
    """The form's card data and frames as the API's body (the same limits and checks)."""
    chip = {name: _b64_file(f) for name, f in chip_files.items()}
    frames = [b for b in (_b64_file(f) for f in frame_files) if b is not None]
    return form_model(
        CheckinCreate,
        cccd=cccd,
        chip=chip if any(v is not None for v in chip.values()) else None,
        qr_text=qr_text.strip() or None,
        mrz_text=mrz_text.strip() or None,
        frames=frames,
    )


@router.post("/exams/{exam_id}/candidates/{reg_id}/checkin")
def desk_checkin(
    request: Request,
    exam_id: uuid.UUID,
    reg_id: uuid.UUID,
    principal: Officer,
    backend: Annotated[FaceBackend, Depends(routes.face_backend)],
    policy: Annotated[FacePolicy, Depends(routes.face_policy)],
    trust: Annotated[TrustStore, Depends(routes.trust_store)],
    dg1: Annotated[UploadFile | None, File()] = None,
    sod: Annotated[UploadFile | None, File()] = None,
    dg2: Annotated[UploadFile | None, File()] = None,
    dg13: Annotated[UploadFile | None, File()] = None,
    frames: Annotated[list[UploadFile] | None, File()] = None,
    qr_text: Text = "",
    mrz_text: Annotated[str, Form(max_length=200)] = "",
    csrf: Csrf = "",
) -> Response:
    """No transaction is held while the engine runs (as the API's check-in)."""
    check_csrf(request, csrf)
    with session_scope(writes=False) as db:
        exam = service.get_exam(db, exam_id)
        reg = queries.registration_by_id(db, exam, reg_id)
        cccd = reg.cccd
        seen: dict[str, Any] = {
            "exam": {"id": exam.id, "code": exam.code},
            "reg": {"id": reg.id, "cccd": reg.cccd, "full_name": reg.full_name},
        }
    files = {"dg1": dg1, "sod": sod, "dg2": dg2, "dg13": dg13}
    try:
        body = checkin_body(cccd, files, qr_text, mrz_text, frames or [])
        result, card = routes.check_in(exam_id, body, backend, policy, trust, actor=principal.actor)
    except AppError as exc:  # unusable input (or a registration gone meanwhile): nothing recorded
        error = message_of(request, exc)
        return render(request, "exams/desk.html", principal, status_code=exc.status_code, error=error, **seen)
    return render(request, "exams/desk.html", principal, result=result, photos=card_photos(card), **seen)


@router.get("/exams/{exam_id}/checkins/{checkin_id}")
def attempt_page(
    request: Request, exam_id: uuid.UUID, checkin_id: uuid.UUID, db: DB, principal: Officer
) -> Response:
    """A past attempt (its photos are gone: check in again to see them), to decide a waiting one."""
    exam = service.get_exam(db, exam_id)
    attempt = service.attempt_of(db, exam, checkin_id, actor=principal.actor, purpose="exam desk")
    reg = attempt.registration
    return render(
        request,
        "exams/desk.html",
        principal,
        exam=exam,
        reg=reg,
        result=CheckinRead.model_validate(attempt),
        photos=None,
    )


@router.post("/exams/{exam_id}/checkins/{checkin_id}/decision")
def decide_page(
    request: Request,
    exam_id: uuid.UUID,
    checkin_id: uuid.UUID,
    db: DB,
    principal: Officer,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Csrf = "",
) -> Response:
    check_csrf(request, csrf)
    exam = service.get_exam(db, exam_id)
    try:
        body = form_model(DecisionCreate, verdict=decision, reason=reason.strip())
        attempt = service.attempt_of(db, exam, checkin_id, actor=principal.actor, purpose="officer decision")
        service.desk_decide(db, attempt, OfficerDecision(body.verdict), body.reason, actor=principal.actor)
    except AppError as exc:
        db.rollback()
        return _exam_page(request, db, principal, exam_id, message_of(request, exc), exc.status_code)
    return RedirectResponse(f"/exams/{exam_id}?decided={body.verdict}", status_code=303)
