"""The police review console: a queue sorted by age with filters, and a review page that an officer can
clear from the keyboard (c confirm, r reject, e escalate, p plate, n next, q queue)."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.errors import AppError, NotFound
from core.evidence import get_blob_store
from core.models import Role
from core.pagination import PageNumber
from core.time import VN_TZ
from penalties import review
from penalties.evidence import playable_clip
from penalties.models import (
    Camera,
    CandidateStatus,
    EvidenceItem,
    EvidenceKind,
    Notice,
    RejectReason,
    ViolationCandidate,
)
from penalties.reads import read_notice, registry_panel
from penalties.schemas import ConfirmRequest, EscalateRequest, PlateCorrection, RejectRequest
from web.routes import DB, check_csrf, form_model, render

router = APIRouter(tags=["web"], include_in_schema=False)
Reviewer = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
PAGE = 25
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
Day = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)]


def _supervisor(principal: Principal) -> bool:
    return Role.supervisor.value in principal.roles


def _filtered(
    statuses: tuple[CandidateStatus, ...],
    camera: str | None,
    code: str | None,
    day_from: date | None,
    day_to: date | None,
    min_conf: float | None,
    flagged: bool = False,
) -> Any:
    query = select(ViolationCandidate).join(Camera).where(ViolationCandidate.status.in_(statuses))
    if flagged:  # json_array_length exists on SQLite and PostgreSQL alike
        query = query.where(func.json_array_length(ViolationCandidate.flags) > 0)
    if camera:
        query = query.where(Camera.code == camera)
    if code:
        query = query.where(ViolationCandidate.violation_code == code)
    if day_from:
        query = query.where(ViolationCandidate.detected_at >= datetime.combine(day_from, time(), VN_TZ))
    if day_to:
        end = datetime.combine(day_to + timedelta(days=1), time(), VN_TZ)
        query = query.where(ViolationCandidate.detected_at < end)
    if min_conf is not None:
        query = query.where(ViolationCandidate.plate_confidence >= min_conf)
    return query


@router.get("/review")
def queue_page(
    request: Request,
    db: DB,
    principal: Reviewer,
    camera: Annotated[str | None, Query(max_length=40)] = None,
    code: Annotated[str | None, Query(max_length=40)] = None,
    day_from: Annotated[Day, Query(alias="from")] = None,
    day_to: Annotated[Day, Query(alias="to")] = None,
    min_conf: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
    flagged: bool = False,
    page: PageNumber = 1,
) -> Response:
    statuses = review.open_statuses(supervisor=_supervisor(principal))
    query = _filtered(statuses, camera, code, day_from, day_to, min_conf, flagged)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(ViolationCandidate.detected_at).offset((page - 1) * PAGE).limit(PAGE)
    ).all()
    cameras = db.scalars(select(Camera.code).order_by(Camera.code)).all()
    codes = db.scalars(
        select(ViolationCandidate.violation_code).distinct().order_by(ViolationCandidate.violation_code)
    )
    return render(
        request,
        "review_queue.html",
        principal,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE)),
        cameras=cameras,
        codes=list(codes),
        filters={
            "camera": camera or "",
            "code": code or "",
            "from": day_from or "",
            "to": day_to or "",
            "min_conf": "" if min_conf is None else min_conf,
        },
        now=datetime.now(VN_TZ),
    )


@router.post("/review/next")
def next_candidate(
    request: Request, db: DB, principal: Reviewer, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Claim the oldest candidate nobody holds and open it."""
    check_csrf(request, csrf)
    return _claim_next_or_queue(db, principal, done=False)


@router.post("/review/{candidate_id}/claim")
def claim_page(
    request: Request, candidate_id: uuid.UUID, db: DB, principal: Reviewer, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    try:
        review.claim(db, candidate_id, actor=principal.actor, supervisor=_supervisor(principal))
    except AppError as exc:
        return _page(request, db, principal, candidate_id, error=str(exc), status_code=exc.status_code)
    return RedirectResponse(f"/review/{candidate_id}", status_code=303)


@router.get("/review/{candidate_id}")
def review_page(request: Request, candidate_id: uuid.UUID, db: AuditedDB, principal: Reviewer) -> Response:
    return _page(request, db, principal, candidate_id)


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    candidate_id: uuid.UUID,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    candidate = db.get(ViolationCandidate, candidate_id)
    if candidate is None:
        raise NotFound(f"no candidate {candidate_id}")
    evidence = {kind: [i for i in candidate.evidence if i.kind is kind] for kind in EvidenceKind}
    store = get_blob_store()
    playable = {i.id for i in evidence[EvidenceKind.clip] if playable_clip(db, store, i)}
    panel = registry_panel(db, candidate, actor=principal.actor)
    notice = db.scalars(select(Notice).where(Notice.candidate_id == candidate.id)).first()
    mine = candidate.claimed_by == principal.actor
    return render(
        request,
        "review.html",
        principal,
        status_code=status_code,
        c=candidate,
        evidence=evidence,
        playable=playable,
        vehicle=panel.vehicle,
        flags=panel.flags,
        registry_error=panel.error,
        notice=notice,
        mine=mine,
        supervisor=_supervisor(principal),
        reasons=[r.value for r in RejectReason],
        error=error,
    )


def _act(
    request: Request, db: Session, principal: Principal, candidate_id: uuid.UUID, csrf: str, action: Any
) -> Response:
    check_csrf(request, csrf)
    try:
        result = action()
    except AppError as exc:
        db.rollback()
        return _page(request, db, principal, candidate_id, error=str(exc.detail), status_code=exc.status_code)
    if isinstance(result, Response):
        return result
    return _claim_next_or_queue(db, principal)


def _claim_next_or_queue(db: Session, principal: Principal, *, done: bool = True) -> Response:
    """Open the oldest candidate nobody holds (claimed for this reviewer), or the empty queue."""
    db.flush()
    candidate = review.claim_next(db, actor=principal.actor, supervisor=_supervisor(principal))
    if candidate is None:
        return RedirectResponse("/review?empty=1", status_code=303)
    return RedirectResponse(f"/review/{candidate.id}{'?done=1' if done else ''}", status_code=303)


@router.post("/review/{candidate_id}/confirm")
def confirm_page(
    request: Request,
    candidate_id: uuid.UUID,
    db: DB,
    principal: Reviewer,
    csrf: Annotated[str, Form()] = "",
    amount_vnd: Annotated[str, Form()] = "",
    aggravating: Annotated[str, Form()] = "",
    acknowledge_flags: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    def act() -> Any:
        body = form_model(
            ConfirmRequest,
            amount_vnd=amount_vnd.replace(".", "").replace(",", "").strip() or None,
            aggravating=[a.strip() for a in aggravating.split(";") if a.strip()],
            note=note.strip() or None,
            acknowledge_flags=acknowledge_flags == "on",
        )
        decision = review.Decision(
            body.amount_vnd, tuple(body.aggravating), (), body.note, body.acknowledge_flags
        )
        return review.confirm(db, candidate_id, decision, actor=principal.actor)

    return _act(request, db, principal, candidate_id, csrf, act)


@router.post("/review/{candidate_id}/plate")
def plate_page(
    request: Request,
    candidate_id: uuid.UUID,
    db: DB,
    principal: Reviewer,
    plate: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    def act() -> Response:
        body = form_model(PlateCorrection, plate=plate)
        review.correct_plate(db, candidate_id, body.plate, actor=principal.actor)
        return RedirectResponse(f"/review/{candidate_id}", status_code=303)

    return _act(request, db, principal, candidate_id, csrf, act)


@router.post("/review/{candidate_id}/reject")
def reject_page(
    request: Request,
    candidate_id: uuid.UUID,
    db: DB,
    principal: Reviewer,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    def act() -> Any:
        body = form_model(RejectRequest, reason=reason, note=note.strip() or None)
        return review.reject(db, candidate_id, body.reason, actor=principal.actor, note=body.note)

    return _act(request, db, principal, candidate_id, csrf, act)


@router.post("/review/{candidate_id}/escalate")
def escalate_page(
    request: Request,
    candidate_id: uuid.UUID,
    db: DB,
    principal: Reviewer,
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    def act() -> Any:
        body = form_model(EscalateRequest, note=note.strip())
        return review.escalate(db, candidate_id, actor=principal.actor, note=body.note)

    return _act(request, db, principal, candidate_id, csrf, act)


@router.get("/evidence/{item_id}")
def evidence_file(item_id: uuid.UUID, db: DB, _: Reviewer) -> Response:
    """An evidence file, verified against its hash on the way out."""
    item = db.get(EvidenceItem, item_id)
    if item is None:
        raise NotFound(f"no evidence {item_id}")
    data = get_blob_store().get(item.sha256)
    return Response(
        data,
        media_type=item.content_type,
        headers={"X-Content-SHA256": item.sha256},
    )


@router.get("/evidence/{item_id}/preview.webm")
def evidence_preview(item_id: uuid.UUID, db: DB, _: Reviewer) -> Response:
    """The browser-playable (VP8/WebM) copy of an evidence clip, written with its package."""
    item = db.get(EvidenceItem, item_id)
    if item is None or item.kind is not EvidenceKind.clip:
        raise NotFound(f"no clip {item_id}")
    store = get_blob_store()
    sha = playable_clip(db, store, item)
    if sha is None:
        raise NotFound(f"clip {item_id} has no browser-playable copy; download the original")
    return Response(store.get(sha), media_type="video/webm", headers={"X-Content-SHA256": sha})


@router.get("/notices/{notice_id}/pdf")
def notice_pdf(notice_id: uuid.UUID, db: AuditedDB, principal: Reviewer) -> Response:
    from penalties.notice_pdf import render_notice_pdf

    notice = read_notice(db, notice_id, actor=principal.actor, purpose="notice PDF")
    store = get_blob_store()
    images = [
        store.get(i.sha256)
        for i in notice.candidate.evidence
        if i.kind in (EvidenceKind.overlay, EvidenceKind.plate_crop)
    ]
    return Response(
        render_notice_pdf(notice, notice.candidate, images),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{notice.number}.pdf"'},
    )


@router.get("/notices/{notice_id}")
def notice_page(request: Request, notice_id: uuid.UUID, db: AuditedDB, principal: Reviewer) -> Response:
    """The printable notice: evidence, legal basis, amount, due date and how to pay."""
    notice = read_notice(db, notice_id, actor=principal.actor, purpose="printable notice")
    candidate = notice.candidate
    frames = [i for i in candidate.evidence if i.kind in (EvidenceKind.overlay, EvidenceKind.plate_crop)]
    return render(request, "notice.html", principal, n=notice, c=candidate, frames=frames)
