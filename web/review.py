"""The police review console's review page, which an officer can clear from the keyboard (c confirm,
r reject, e escalate, p plate, n next, q queue); the queue itself is web/review_queue.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.errors import AppError
from core.evidence import get_blob_store
from core.models import Role
from penalties.candidates.evidence import playable_clip, rider_files
from penalties.candidates.exceptions import EvidenceNotFound
from penalties.candidates.models import EvidenceKind, RejectReason
from penalties.candidates.service import evidence_item
from penalties.candidates.states import IN_REVIEW, By, takeable
from penalties.review import service as review
from penalties.review.queue import candidate_page
from penalties.review.riders import RIDER_CODES, drop_rider
from penalties.review.schemas import (
    ConfirmRequest,
    DropRider,
    EscalateRequest,
    PlateCorrection,
    RejectRequest,
)
from web.byte_ranges import ranged_response
from web.review_view import RIDER_KEYS, crossing_seconds, drop_falls, frame_views, measured_rows, rider_views
from web.routes import DB, check_csrf, form_model, render

router = APIRouter(tags=["web"], include_in_schema=False)
Reviewer = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]


def _supervisor(principal: Principal) -> bool:
    return Role.supervisor.value in principal.roles


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
    view = candidate_page(db, candidate_id, actor=principal.actor)
    candidate, panel = view.candidate, view.panel
    mine = candidate.claimed_by == principal.actor
    clips = [i for i in view.evidence[EvidenceKind.clip] if i.id in view.playable]
    measured, other_measured = measured_rows(candidate.measured or {})
    riders = []
    if candidate.violation_code in RIDER_CODES:
        files = rider_files(db, get_blob_store(), candidate.id)
        riders = rider_views(candidate, view.evidence, files)
        other_measured = {k: v for k, v in other_measured.items() if k not in RIDER_KEYS}
    return render(
        request,
        "review.html",
        principal,
        status_code=status_code,
        c=candidate,
        evidence=view.evidence,
        playable=view.playable,
        frames=frame_views(view.evidence),
        clip=clips[0] if clips else None,
        crossing_s=crossing_seconds(candidate, clips[0]) if clips else None,
        measured=measured,
        other_measured=other_measured,
        vehicle=panel.vehicle,
        flags=panel.flags,
        registry_error=panel.error,
        notice=view.notice,
        mine=mine,
        in_review=candidate.status in IN_REVIEW,
        may_take=candidate.status in takeable(By.staff(supervisor=_supervisor(principal))),
        supervisor=_supervisor(principal),
        reasons=[r.value for r in RejectReason],
        riders=riders,
        drop_falls={r.position: drop_falls(candidate, r.position) for r in riders},
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
        return review.confirm(
            db, candidate_id, decision, actor=principal.actor, supervisor=_supervisor(principal)
        )

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
        return review.reject(
            db,
            candidate_id,
            body.reason,
            actor=principal.actor,
            note=body.note,
            supervisor=_supervisor(principal),
        )

    return _act(request, db, principal, candidate_id, csrf, act)


@router.post("/review/{candidate_id}/drop-rider")
def drop_rider_page(
    request: Request,
    candidate_id: uuid.UUID,
    db: DB,
    principal: Reviewer,
    rider: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Drop one rider from a helmet or overload finding (audited, with a reason); a finding that falls
    rejects the candidate and the next one opens, else the page shows the recomputed finding."""

    def act() -> Response | None:
        body = form_model(DropRider, rider=rider.strip(), reason=reason.strip())
        candidate = drop_rider(
            db,
            candidate_id,
            body.rider,
            body.reason,
            actor=principal.actor,
            supervisor=_supervisor(principal),
        )
        if candidate.status in IN_REVIEW:
            return RedirectResponse(f"/review/{candidate_id}", status_code=303)
        return None

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
        return review.escalate(
            db, candidate_id, actor=principal.actor, note=body.note, supervisor=_supervisor(principal)
        )

    return _act(request, db, principal, candidate_id, csrf, act)


@router.get("/evidence/{item_id}")
def evidence_file(request: Request, item_id: uuid.UUID, db: DB, _: Reviewer) -> Response:
    """An evidence file, verified against its hash on the way out (a byte range of it when asked)."""
    item = evidence_item(db, item_id)
    data = get_blob_store().get(item.sha256)
    return ranged_response(request, data, item.content_type, {"X-Content-SHA256": item.sha256})


@router.get("/evidence/{item_id}/preview.webm")
def evidence_preview(request: Request, item_id: uuid.UUID, db: DB, _: Reviewer) -> Response:
    """The browser-playable (VP8/WebM) copy of an evidence clip, written with its package; served in
    byte ranges so that the browser can seek in it (the review page's scrubber)."""
    item = evidence_item(db, item_id, kind=EvidenceKind.clip)
    store = get_blob_store()
    sha = playable_clip(db, store, item)
    if sha is None:
        raise EvidenceNotFound(f"clip {item_id} has no browser-playable copy; download the original")
    return ranged_response(request, store.get(sha), "video/webm", {"X-Content-SHA256": sha})
