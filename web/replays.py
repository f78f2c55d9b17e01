"""Replays for ops in the browser: pick footage and a camera configuration version, start a replay on
the job workers, watch it, compare it with an earlier run of the same footage, promote what it found."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.db import get_write_session
from core.models import Job
from core.time import format_local
from penalties.cameras.service import list_cameras
from penalties.runs.events import run_events
from penalties.runs.replay_frames import frame_jpeg, parse_box
from penalties.runs.replay_ops import (
    camera_versions,
    earlier_runs,
    get_replay,
    list_footage,
    ops_replays,
    promote,
    replay_diff,
    start_ops_replay,
    store_upload,
)
from penalties.runs.replays import ReplayError, replay_progress
from web.routes import DB, Ops, check_csrf, render, templates

router = APIRouter(tags=["web"], include_in_schema=False)
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]  # plates shown: audited


def _event_time(at: str) -> str:
    """An event's ISO time (UTC) in Vietnam time, to the millisecond."""
    return format_local(datetime.fromisoformat(at), "%d/%m/%Y %H:%M:%S.%f")[:-3]


templates.env.filters["isotime"] = _event_time


@router.get("/ops/replays")
def replays_page(request: Request, db: DB, principal: Ops) -> Response:
    versions = [(c.code, v.version) for c in list_cameras(db) for v in camera_versions(db, c.code)]
    replays = ops_replays(db)
    progress = {r.id: replay_progress(db, r.id) for r in replays}
    return render(
        request,
        "ops_replays.html",
        principal,
        footage=list_footage(),
        versions=versions,
        replays=replays,
        progress=progress,
    )


@router.post("/ops/replays")
def start_replay(
    request: Request,
    db: DB,
    principal: Ops,
    csrf: Annotated[str, Form()] = "",
    camera_version: Annotated[str, Form()] = "",
    footage: Annotated[str, Form()] = "",
    segments: Annotated[int, Form()] = 4,
    stride: Annotated[int, Form()] = 1,
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_csrf(request, csrf)
    code, _, version = camera_version.rpartition(":")
    if not code or not version.isdigit():
        raise ReplayError("choose a camera configuration version")
    if upload is not None and upload.filename:
        footage = store_upload(upload.filename, upload.file)
    replay = start_ops_replay(
        db,
        footage=footage,
        camera_code=code,
        version=int(version),
        segments=segments,
        stride=stride,
        actor=principal.actor,
    )
    return RedirectResponse(f"/ops/replays/{replay.id}", status_code=303)


@router.get("/ops/replays/{replay_id}")
def replay_page(
    request: Request,
    replay_id: uuid.UUID,
    db: AuditedDB,
    principal: Ops,
    against: uuid.UUID | None = None,
) -> Response:
    replay = get_replay(db, replay_id)
    progress = replay_progress(db, replay.id)
    earlier = earlier_runs(db, replay) if progress.finished else []
    diff = replay_diff(db, replay, against) if against is not None and progress.finished else None
    events = run_events(db, replay.id) if progress.finished else []
    if events or diff is not None:
        shown = events + ([] if diff is None else diff.removed)
        audit.record_read(
            db,
            actor=principal.actor,
            object_type="processing_run",
            object_id=replay.id,
            purpose="replay events" + ("" if against is None else f" and diff against run {against}"),
            plates=sorted({str(e["plate"]) for e in shown if e.get("plate")}),
        )
    promoted = None
    if replay.options.get("promoted_job"):
        promoted = db.scalar(select(Job).where(Job.id == uuid.UUID(replay.options["promoted_job"])))
    return render(
        request,
        "ops_replay.html",
        principal,
        replay=replay,
        progress=progress,
        events=events,
        earlier=earlier,
        against=against,
        diff=diff,
        promoted=promoted,
    )


@router.post("/ops/replays/{replay_id}/promote")
def promote_replay(
    request: Request, replay_id: uuid.UUID, db: DB, principal: Ops, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    promote(db, get_replay(db, replay_id), actor=principal.actor)
    return RedirectResponse(f"/ops/replays/{replay_id}", status_code=303)


@router.get("/ops/replays/{replay_id}/frames/{index}.jpg")
def replay_frame(
    replay_id: uuid.UUID,
    index: int,
    db: AuditedDB,
    principal: Ops,
    box: str | None = None,
) -> Response:
    """An event's key frame from the replay's footage (the earlier runs it is compared with ran on the
    same file), its box drawn; audited, since plates and riders can be read on it."""
    replay = get_replay(db, replay_id)
    image = frame_jpeg(replay, index, parse_box(box))
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="processing_run",
        object_id=replay.id,
        purpose=f"replay frame {index}",
    )
    return Response(image, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})
