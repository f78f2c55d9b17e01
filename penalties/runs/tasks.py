"""Footage runs as long jobs on the workers (`tvp process --queue`), leased per camera, footage and
span: one worker runs a footage at a time, and when it dies another resumes the run from its last
checkpoint (penalties/runs/runner.py) within the lease's time to live."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import session_scope
from core.jobs import enqueue, task
from core.jobs.long import LongJob
from core.jobs.schedule import periodic
from core.models import Job
from core.time import utc_now
from detection.span import Span
from penalties.cameras.config import LoadedCamera
from penalties.cameras.service import stored_camera_version
from penalties.runs import replay_tasks  # noqa: F401  (segmented replays: their own module)
from penalties.runs.footage import start_footage_run
from penalties.runs.live import CAMERA_LIVE, camera_lease, run_live
from penalties.runs.models import RunKind
from penalties.runs.runner import footage_sha256 as sha_of_file
from penalties.runs.service import prune_events

logger = logging.getLogger(__name__)
PROCESS_FOOTAGE = "penalties.process_footage"


class FootageChanged(ValueError):
    """The file on the worker is not the footage that was queued."""


def footage_lease(payload: dict[str, Any]) -> str:
    span = payload.get("span") or [None, None]
    what = payload.get("footage_sha256") or payload["footage"]
    name = f"footage:{payload['camera']}:{what}:{span[0] or ''}..{span[1] or ''}"
    return name if len(name) <= 200 else f"footage:{hashlib.sha256(name.encode()).hexdigest()}"


def queue_footage(
    session: Session,
    footage: Path,
    loaded: LoadedCamera,
    *,
    stride: int,
    motion_gate: bool,
    span: Span,
    start: datetime | None,
) -> Job:
    """A job that runs ``footage`` on a worker with the camera's stored configuration ``loaded`` (its
    version is fixed now). The path must be readable by the workers (a shared footage store)."""
    footage = footage.resolve()
    return enqueue(
        session,
        PROCESS_FOOTAGE,
        {
            "footage": str(footage),
            "footage_sha256": sha_of_file(footage) if footage.is_file() else None,
            "camera": loaded.config.camera.id,
            "camera_version": loaded.config.camera.version,
            "stride": stride,
            "motion_gate": motion_gate,
            "span": span.describe(),
            "start": start.isoformat() if start else None,
        },
    )


@task(PROCESS_FOOTAGE, long=True, max_attempts=3, lease=footage_lease)
def process_footage(
    job: LongJob,
    *,
    footage: str,
    camera: str,
    camera_version: int,
    footage_sha256: str | None = None,
    stride: int = 1,
    motion_gate: bool = False,
    span: list[str | None] | None = None,
    start: str | None = None,
) -> None:
    path = Path(footage)
    if footage_sha256 is not None and path.is_file() and sha_of_file(path) != footage_sha256:
        raise FootageChanged(f"{footage} is not the footage that was queued (its SHA-256 differs)")
    with session_scope(writes=False) as session:
        loaded = stored_camera_version(session, camera, camera_version)
    run = start_footage_run(
        path,
        loaded,
        kind=RunKind.process,
        stride=stride,
        motion_gate=motion_gate,
        start=datetime.fromisoformat(start) if start else None,
        resume=True,
        span=Span.parse(*(span or [None, None])),
        sha=footage_sha256,
    )
    run.consume(on_frame=lambda _frame: job.check())


@task(CAMERA_LIVE, long=True, max_attempts=1000, lease=camera_lease)
def camera_live(
    job: LongJob,
    *,
    camera: str,
    source: str,
    stride: int = 2,
    motion_gate: bool = True,
    queue_frames: int = 8,
    max_attempts: int | None = None,
) -> None:
    """A live camera until `tvp cameras stop` (or the end of a video file): many attempts, because a
    camera is taken over each time its worker dies."""
    run_live(
        job,
        camera=camera,
        source=source,
        stride=stride,
        motion_gate=motion_gate,
        queue_frames=queue_frames,
        max_attempts=max_attempts,
    )


@periodic(timedelta(days=1))
@task("penalties.prune_run_events", max_attempts=5)
def prune_run_events(session: Session, *, at: str | None = None) -> None:
    """Daily: live runs' old events and old replays' events go (TVP_RUN_EVENTS_RETENTION_DAYS)."""
    pruned = prune_events(session, now=utc_now(), keep_days=get_settings().run_events_retention_days)
    logger.info("run events pruned: %s", pruned)
