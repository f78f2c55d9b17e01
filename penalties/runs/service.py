"""Reading runs and their events page by page, and letting old events go."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from penalties.runs.exceptions import RunNotFound
from penalties.runs.models import ProcessingRun, RunEvent, RunKind, RunStatus


def list_runs(
    session: Session,
    *,
    camera: str | None,
    kind: RunKind | None,
    status: RunStatus | None,
    page: int,
    size: int,
) -> tuple[list[ProcessingRun], int]:
    query = select(ProcessingRun)
    if camera:
        query = query.where(ProcessingRun.camera_code == camera)
    if kind:
        query = query.where(ProcessingRun.kind == kind)
    if status:
        query = query.where(ProcessingRun.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ProcessingRun.created_at.desc(), ProcessingRun.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), total


def get_run(session: Session, run_id: uuid.UUID) -> ProcessingRun:
    run = session.get(ProcessingRun, run_id)
    if run is None:
        raise RunNotFound(f"no run {run_id}")
    return run


def event_page(session: Session, run_id: uuid.UUID, *, page: int, size: int) -> tuple[list[RunEvent], int]:
    """A run's events in the order found, one page (the (run, seq) index serves both)."""
    get_run(session, run_id)
    total = session.scalar(select(func.count()).select_from(RunEvent).where(RunEvent.run_id == run_id)) or 0
    rows = session.scalars(
        select(RunEvent)
        .where(RunEvent.run_id == run_id)
        .order_by(RunEvent.seq)
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), total


def prune_events(session: Session, *, now: datetime, keep_days: int) -> dict[str, int]:
    """Live runs' events older than ``keep_days`` and the events of replays finished before then.
    Footage runs keep every event: they are the record of what created the candidates."""
    cutoff = now - timedelta(days=keep_days)
    live_ids = select(ProcessingRun.id).where(ProcessingRun.kind == RunKind.live)
    live = session.execute(
        delete(RunEvent)
        .where(RunEvent.run_id.in_(live_ids), RunEvent.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    old_replays = select(ProcessingRun.id).where(
        ProcessingRun.kind == RunKind.replay, ProcessingRun.finished_at < cutoff
    )
    replays = session.execute(
        delete(RunEvent).where(RunEvent.run_id.in_(old_replays)).execution_options(synchronize_session=False)
    )
    return {"live": live.rowcount, "replay": replays.rowcount}  # type: ignore[attr-defined]
