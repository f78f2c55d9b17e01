"""Camera health for the ops page: each camera's newest processing run (its last saved frame, the
frames its queue dropped), when it last found something, and the worker holding it: its live lease
(``camera:<code>``), else a lease on one of its footage runs (``footage:<code>:…``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.leases import holders
from penalties.cameras.models import Camera
from penalties.runs.models import ProcessingRun, RunEvent


@dataclass(frozen=True)
class CameraHealth:
    code: str
    name: str
    active: bool
    run: ProcessingRun | None  # the newest run, of any kind
    last_event_at: datetime | None  # the newest event the run recorded
    lease_holder: str | None = None


def camera_health(session: Session) -> list[CameraHealth]:
    ranked = select(
        ProcessingRun.id,
        func.row_number()
        .over(
            partition_by=ProcessingRun.camera_code,
            order_by=(ProcessingRun.created_at.desc(), ProcessingRun.id.desc()),
        )
        .label("rank"),
    ).subquery()
    newest = session.scalars(
        select(ProcessingRun).join(ranked, ranked.c.id == ProcessingRun.id).where(ranked.c.rank == 1)
    ).all()
    runs = {run.camera_code: run for run in newest}
    last_events = _last_event_times(session, [run.id for run in newest])
    held = _lease_holders(session)
    return [
        CameraHealth(
            code=camera.code,
            name=camera.name,
            active=camera.active,
            run=runs.get(camera.code),
            last_event_at=last_events.get(runs[camera.code].id) if camera.code in runs else None,
            lease_holder=held.get(camera.code),
        )
        for camera in session.scalars(select(Camera).order_by(Camera.code))
    ]


def _last_event_times(session: Session, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    if not run_ids:
        return {}
    rows = session.execute(
        select(RunEvent.run_id, func.max(RunEvent.created_at))
        .where(RunEvent.run_id.in_(run_ids))
        .group_by(RunEvent.run_id)
    )
    return {run_id: at for run_id, at in rows if at is not None}


def _lease_holders(session: Session) -> dict[str, str]:
    """Camera code → the holder of its live lease, else of a lease on one of its footage runs."""
    found: dict[str, str] = {}
    for name, lease in holders(session, "footage:").items():
        found.setdefault(name.split(":")[1], lease.holder)
    for name, lease in holders(session, "camera:").items():
        found[name.removeprefix("camera:")] = lease.holder
    return found
