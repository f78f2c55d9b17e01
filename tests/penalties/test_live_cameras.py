"""Live cameras as long jobs: `tvp cameras start/stop`, the camera's lease, and backpressure (a bounded
frame queue that drops the oldest frames of a stream and counts them)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.cli import app
from core.db import session_scope
from core.jobs.runner import execute_long_job
from core.models import AuditEntry, Job, JobStatus, Lease
from detection.frame_queue import FrameQueue
from detection.sources import Frame, SourceError
from penalties.cameras.service import register_config
from penalties.candidates.models import ViolationCandidate
from penalties.runs.models import ProcessingRun, RunKind, RunStatus
from tests.support.broker import wait_for

CAMERA = "GEN-RED-001"
EXPECTED = [("SPEED_20_35", "51G12345"), ("RED_LIGHT", "30A99988")]


def tvp(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _frame(index: int, camera: str = "Q-1") -> Frame:
    return Frame(camera, index, datetime(2026, 1, 1, tzinfo=UTC), np.zeros((2, 2, 3), np.uint8))


def _dropped(camera: str) -> float:
    return REGISTRY.get_sample_value("tvp_frames_dropped_total", {"camera": camera}) or 0.0


def test_a_full_queue_drops_the_oldest_frames_and_counts_them() -> None:
    before = _dropped("Q-drop")
    queue = FrameQueue("Q-drop", capacity=3)
    for i in range(10):  # the processor is stuck (a slow write): the reader goes on
        queue.put(_frame(i, "Q-drop"))
    assert queue.dropped == 7 and _dropped("Q-drop") - before == 7
    queue.close()
    assert [f.index for f in queue.frames()] == [7, 8, 9]  # the newest picture is processed


def test_a_source_error_reaches_the_processor_after_the_frames_read_before_it() -> None:
    def broken():
        yield _frame(0)
        raise SourceError("stream gone")

    queue = FrameQueue("Q-err", capacity=4)
    queue.fill_from(broken(), threading.Event())
    got = []
    with pytest.raises(SourceError, match="stream gone"):
        for frame in queue.frames():
            got.append(frame.index)
    assert got == [0]


def test_a_file_waits_for_the_processor_instead_of_dropping() -> None:
    queue = FrameQueue("Q-file", capacity=2, drop_oldest=False)
    queue.fill_from((_frame(i, "Q-file") for i in range(20)), threading.Event())
    seen = []
    for frame in queue.frames():
        seen.append(frame.index)
        time.sleep(0.005)
    assert seen == list(range(20)) and queue.dropped == 0


def test_bad_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        FrameQueue("Q-0", capacity=0)


def _register(generated_footage) -> None:
    with session_scope() as s:
        register_config(s, generated_footage.camera.read_text(), actor="test")


def _run_in_thread(job_id: str) -> tuple[threading.Thread, list[str]]:
    outcome: list[str] = []
    thread = threading.Thread(target=lambda: outcome.append(execute_long_job(job_id)))
    thread.start()
    return thread, outcome


def test_start_holds_the_camera_lease_and_stop_ends_it(db: Session, generated_footage) -> None:
    """A stream that is down: the camera keeps reconnecting until `tvp cameras stop` ends it."""
    _register(generated_footage)
    started = tvp("cameras", "start", CAMERA, "--source", "rtsp://127.0.0.1:9/down")
    assert started.exit_code == 0, started.output
    job_id = started.stdout.strip().splitlines()[-1]
    jid = uuid.UUID(job_id)
    again = tvp("cameras", "start", CAMERA, "--source", "rtsp://127.0.0.1:9/down")
    assert again.exit_code == 2 and "already live" in again.output

    thread, outcome = _run_in_thread(job_id)
    try:

        def holder() -> str | None:
            with session_scope(writes=False) as s:
                lease = s.get(Lease, f"camera:{CAMERA}")
                return lease.holder if lease else None

        wait_for("the worker to hold the camera", lambda: holder() is not None, timeout=60)
        stopped = tvp("cameras", "stop", CAMERA)
        assert stopped.exit_code == 0, stopped.output
        thread.join(20)
        assert not thread.is_alive(), "the camera did not stop"
    finally:
        if thread.is_alive():  # do not leave it running into other tests
            with session_scope() as s:
                s.get_one(Job, jid).status = JobStatus.done
            thread.join(20)
    assert outcome == ["done"]
    db.rollback()
    assert db.get(Lease, f"camera:{CAMERA}") is None
    run = db.scalars(select(ProcessingRun).where(ProcessingRun.kind == RunKind.live)).one()
    assert run.status is RunStatus.completed and run.camera_code == CAMERA
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.object_id == CAMERA)))
    assert {"camera.live_start", "camera.live_stop"} <= actions
    not_live = tvp("cameras", "stop", CAMERA)
    assert not_live.exit_code == 2 and "is not live" in not_live.output


def test_start_refuses_bad_input(db: Session, generated_footage, tmp_path: Path) -> None:
    unknown = tvp("cameras", "start", "NO-SUCH-CAM", "--source", "rtsp://127.0.0.1:9/x")
    assert unknown.exit_code == 2 and "no camera NO-SUCH-CAM" in unknown.output
    _register(generated_footage)
    missing = tvp("cameras", "start", CAMERA, "--source", tmp_path / "gone.mp4")
    assert missing.exit_code == 2 and "neither a stream URL" in missing.output
    db.rollback()
    assert db.scalars(select(Job)).all() == []


def test_a_live_camera_on_a_file_records_every_candidate(db: Session, generated_footage) -> None:
    _register(generated_footage)
    started = tvp(
        "cameras", "start", CAMERA, "--source", generated_footage.video, "--stride", "3", "--no-motion-gate"
    )
    assert started.exit_code == 0, started.output
    job_id = started.stdout.strip().splitlines()[-1]
    jid = uuid.UUID(job_id)
    assert execute_long_job(job_id) == "done"  # the file's end ends the run
    db.rollback()
    found = db.scalars(select(ViolationCandidate).order_by(ViolationCandidate.detected_at)).all()
    assert [(c.violation_code, c.plate) for c in found] == EXPECTED
    assert db.get_one(Job, jid).status is JobStatus.done
    assert db.get(Lease, f"camera:{CAMERA}") is None
    run = db.scalars(select(ProcessingRun).where(ProcessingRun.kind == RunKind.live)).one()
    # A file waits instead of dropping; the run saved its frames' capture times as it went.
    assert run.frames_dropped == 0 and run.last_frame_at is not None and run.last_frame_at > run.created_at
