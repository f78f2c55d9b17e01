"""Footage as a long job on the workers: `tvp process --queue`, the job run under its lease, bad input."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.cli import app
from core.jobs.runner import JobFailed, execute_long_job
from core.jobs.worker import JobWorker
from core.models import Job, JobStatus, Lease
from penalties.candidates.models import ViolationCandidate
from penalties.runs.models import ProcessingRun, RunStatus
from penalties.runs.tasks import PROCESS_FOOTAGE, footage_lease

EXPECTED = [("SPEED_20_35", "51G12345"), ("RED_LIGHT", "30A99988")]


def tvp(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _queued(result: Result) -> uuid.UUID:
    assert result.exit_code == 0, result.output
    return uuid.UUID(result.stdout.strip().splitlines()[-1])


@pytest.mark.clockless  # footage at a fixed time
def test_queued_footage_runs_on_a_worker_under_its_lease(
    db: Session, generated_footage, evidence_dir: Path
) -> None:
    footage, camera = generated_footage.video, generated_footage.camera
    job_id = _queued(tvp("process", footage, "--camera", camera, "--stride", "3", "--queue"))
    assert db.scalar(select(func.count()).select_from(ProcessingRun)) == 0  # nothing ran here
    job = db.get_one(Job, job_id)
    assert job.name == PROCESS_FOOTAGE and job.payload["camera_version"] == 1
    assert footage_lease(job.payload).startswith("footage:GEN-RED-001:")

    worker = JobWorker(threads=2, relay_interval=0.05).start()
    try:
        worker.join(timeout_ms=300_000)
    finally:
        worker.stop()
    db.rollback()
    job = db.get_one(Job, job_id)
    assert job.status is JobStatus.done and job.attempts == 1, job.last_error
    found = db.scalars(select(ViolationCandidate).order_by(ViolationCandidate.detected_at)).all()
    assert [(c.violation_code, c.plate) for c in found] == EXPECTED
    run = db.scalars(select(ProcessingRun)).one()
    assert run.status is RunStatus.completed and run.footage_sha256 == job.payload["footage_sha256"]
    assert db.scalar(select(func.count()).select_from(Lease)) == 0  # let go when done


def test_footage_changed_after_queueing_fails_the_job_clearly(
    db: Session, generated_footage, tmp_path: Path
) -> None:
    copy = tmp_path / "footage.mp4"
    shutil.copyfile(generated_footage.video, copy)
    job_id = _queued(tvp("process", copy, "--camera", generated_footage.camera, "--queue"))
    copy.write_bytes(copy.read_bytes()[:-10])
    with pytest.raises(JobFailed):
        execute_long_job(str(job_id))
    db.rollback()
    job = db.get_one(Job, job_id)
    assert job.status is JobStatus.retrying
    assert "is not the footage that was queued" in (job.last_error or "")
    assert db.scalar(select(func.count()).select_from(ProcessingRun)) == 0
    assert db.scalar(select(func.count()).select_from(Lease)) == 0


def test_queueing_missing_footage_is_refused(db: Session, generated_footage, tmp_path: Path) -> None:
    result = tvp("process", tmp_path / "nope.mp4", "--camera", generated_footage.camera, "--queue")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert db.scalar(select(func.count()).select_from(Job)) == 0
