"""Live cameras on the workers: `tvp cameras start CODE --source …` queues a long job leased
``camera:<code>`` (exactly one worker holds a camera; when it dies another takes the camera over a
lease's time to live later), `tvp cameras stop CODE` marks that job done and its worker stops within
a second. Frames pass through a bounded queue (detection/frame_queue.py: the oldest dropped under
overload and counted); events are written in line, so none is ever dropped."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, metrics
from core.db import session_scope
from core.jobs import enqueue
from core.jobs.long import RUNNABLE, LongJob
from core.models import Job, JobStatus
from core.time import utc_now
from detection.camera import ProcessorOptions
from detection.frame_queue import FrameQueue
from detection.pipeline import shared_pipeline
from detection.sources import Frame, StreamSource, VideoFileSource
from penalties.cameras.service import get_camera, stored_camera
from penalties.runs.exceptions import CameraAlreadyLive, CameraNotLive, LiveSourceInvalid
from penalties.runs.models import RunKind
from penalties.runs.runner import Runner

CAMERA_LIVE = "penalties.camera_live"
STOP_POLL_S = 1.0


def camera_lease(payload: dict[str, Any]) -> str:
    return f"camera:{payload['camera']}"


def _not_a_source(source: str) -> str:
    return f"{source} is neither a stream URL (rtsp://, http(s)://) nor a video file"


def live_source(camera_id: str, source: str, max_attempts: int | None) -> StreamSource | VideoFileSource:
    """A stream URL reconnects forever (or up to max_attempts); a video file ends at its last frame,
    its frames stamped from now on as if it were the camera's live picture."""
    if "://" in source and not source.startswith("file://"):
        return StreamSource(camera_id, source, max_attempts=max_attempts)
    path = Path(source.removeprefix("file://"))
    if not path.is_file():
        raise LiveSourceInvalid(_not_a_source(source))
    return VideoFileSource(camera_id, path, started_at=utc_now())


def live_jobs(session: Session, code: str) -> list[Job]:
    """The camera's live jobs not yet finished (at most one: start refuses a second)."""
    jobs = session.scalars(select(Job).where(Job.name == CAMERA_LIVE, Job.status.in_(RUNNABLE)))
    return [job for job in jobs if job.payload.get("camera") == code]


def start_live(
    session: Session,
    code: str,
    source: str,
    *,
    stride: int,
    motion_gate: bool,
    queue_frames: int,
    max_attempts: int | None,
    actor: str,
) -> Job:
    get_camera(session, code)  # CameraNotFound for an unknown code
    if "://" not in source or source.startswith("file://"):
        path = Path(source.removeprefix("file://")).resolve()
        if not path.is_file():
            raise LiveSourceInvalid(
                f"{source} is neither a stream URL (rtsp://, http(s)://) nor a video file"
            )
        source = str(path)
    running = live_jobs(session, code)
    if running:
        raise CameraAlreadyLive(f"camera {code} is already live (job {running[0].id}): stop it first")
    job = enqueue(
        session,
        CAMERA_LIVE,
        {
            "camera": code,
            "source": source,
            "stride": stride,
            "motion_gate": motion_gate,
            "queue_frames": queue_frames,
            "max_attempts": max_attempts,
        },
    )
    audit.record(session, actor=actor, action="camera.live_start", object_type="camera", object_id=code)
    return job


def stop_live(session: Session, code: str, *, actor: str) -> list[Job]:
    """Mark the camera's live job done: its worker sees it within a second and stops; a worker that
    had not started it yet skips it."""
    jobs = live_jobs(session, code)
    if not jobs:
        raise CameraNotLive(f"camera {code} is not live")
    for job in jobs:
        job.status = JobStatus.done
        job.finished_at = utc_now()
    audit.record(session, actor=actor, action="camera.live_stop", object_type="camera", object_id=code)
    return jobs


def _stop_requested(job: LongJob) -> bool:
    with session_scope(writes=False) as session:
        row = session.get(Job, job.id)
        return row is None or row.status not in RUNNABLE


def run_live(
    job: LongJob,
    *,
    camera: str,
    source: str,
    stride: int,
    motion_gate: bool,
    queue_frames: int,
    max_attempts: int | None,
) -> None:
    with session_scope(writes=False) as session:
        loaded = stored_camera(session, camera)
    frame_source = live_source(loaded.config.camera.id, source, max_attempts)
    runner = Runner(
        loaded,
        shared_pipeline(),
        ProcessorOptions(stride=stride, motion_gate=motion_gate),
        kind=RunKind.live,
        source=source,
    )
    # A stream does not wait: drop its oldest frames when we fall behind. A file can wait.
    frames = FrameQueue(camera, queue_frames, drop_oldest=isinstance(frame_source, StreamSource))
    stopping = threading.Event()
    done = threading.Event()

    def stop() -> None:
        stopping.set()
        if isinstance(frame_source, StreamSource):
            frame_source.stop()  # also ends a wait between reconnects
        frames.close()

    def watch() -> None:  # stop, or a lost lease, must end the run even when no frame comes
        while not done.wait(STOP_POLL_S):
            if job.lost.is_set() or _stop_requested(job):
                stop()
                return

    watcher = threading.Thread(target=watch, name=f"live-stop-{camera}", daemon=True)
    watcher.start()
    frames.fill_from(frame_source.frames(), stopping)
    rate = _Rate(camera)

    def on_frame(_frame: Frame) -> None:
        job.check()
        rate.tick()

    try:
        runner.consume(frames.frames(), on_frame=on_frame, dropped=lambda: frames.dropped)
    finally:
        done.set()
        stop()
        metrics.CAMERA_FPS.labels(camera).set(0)
    job.check()  # stopped because the lease was taken over: leave the job to the new holder


class _Rate:
    """Frames per second over the last few seconds, published as the camera's gauge."""

    def __init__(self, camera: str, every_s: float = 2.0):
        self.gauge = metrics.CAMERA_FPS.labels(camera)
        self.every_s = every_s
        self.count = 0
        self.since = time.monotonic()

    def tick(self) -> None:
        self.count += 1
        elapsed = time.monotonic() - self.since
        if elapsed >= self.every_s:
            self.gauge.set(self.count / elapsed)
            self.count, self.since = 0, time.monotonic()
