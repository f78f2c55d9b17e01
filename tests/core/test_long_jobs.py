"""Long jobs (footage, live cameras): run under a renewed lease, outside the job's transaction."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import leases
from core.config import reset_settings
from core.db import session_scope
from core.jobs import enqueue
from core.jobs.long import LeaseBusy
from core.jobs.runner import execute_long_job
from core.jobs.worker import JobWorker
from core.models import AuditEntry, Job, JobStatus, Lease
from core.plugins import load_tasks
from tests.support import tasks


@pytest.fixture
def short_leases(monkeypatch: pytest.MonkeyPatch) -> Iterator[float]:
    monkeypatch.setenv("TVP_JOB_LEASE_TTL_S", "1.5")
    reset_settings()
    load_tasks()
    yield 1.5
    monkeypatch.undo()
    reset_settings()


def _steps(label: str) -> list[int]:
    with session_scope(writes=False) as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "jobs.long_canary", AuditEntry.object_id == label)
            .order_by(AuditEntry.seq)
        )
        return [row.detail["step"] for row in rows]


def _canary(steps: int, step_seconds: float = 0.0) -> tuple[uuid.UUID, str]:
    label = uuid.uuid4().hex[:12]
    with session_scope() as s:
        job = enqueue(s, "core.long_canary", {"label": label, "steps": steps, "step_seconds": step_seconds})
        return job.id, label


def test_long_job_runs_on_the_worker_and_lets_its_lease_go(clean_db: str, short_leases: float) -> None:
    job_id, label = _canary(steps=3, step_seconds=0.2)
    worker = JobWorker(threads=2, relay_interval=0.05).start()
    try:
        worker.join()
    finally:
        worker.stop()
    with session_scope(writes=False) as s:
        job = s.get_one(Job, job_id)
        assert job.status is JobStatus.done and job.attempts == 1
        assert s.scalar(select(func.count()).select_from(Lease)) == 0
    assert _steps(label) == [0, 1, 2]


def test_a_dead_holders_job_is_taken_over_and_resumed_once(clean_db: str, short_leases: float) -> None:
    job_id, label = _canary(steps=4)
    with session_scope() as s:  # a worker took it, wrote two steps, then died without renewing
        assert leases.acquire(s, f"job:{job_id}", "dead-host:1:abc", short_leases)
        s.get_one(Job, job_id).status = JobStatus.queued
    for step in (0, 1):
        with session_scope() as s:
            from core import audit

            audit.record(
                s,
                actor=audit.SYSTEM,
                action="jobs.long_canary",
                object_type="job",
                object_id=label,
                detail={"step": step},
            )
    began = time.monotonic()
    assert execute_long_job(str(job_id)) == "done"  # waits for the dead lease to expire
    assert time.monotonic() - began >= 1.0
    assert _steps(label) == [0, 1, 2, 3]
    assert execute_long_job(str(job_id)) == "skipped"  # a late duplicate message


def test_a_duplicate_delivery_while_the_holder_lives_goes_back_to_the_broker(
    clean_db: str, short_leases: float
) -> None:
    job_id, label = _canary(steps=1)
    stop = threading.Event()

    def keep_renewing() -> None:
        while not stop.wait(0.3):
            with session_scope() as s:
                leases.acquire(s, f"job:{job_id}", "live-host:2:def", short_leases)

    renewer = threading.Thread(target=keep_renewing)
    renewer.start()
    try:
        time.sleep(0.5)
        with pytest.raises(LeaseBusy):
            execute_long_job(str(job_id))
    finally:
        stop.set()
        renewer.join()
    with session_scope(writes=False) as s:
        job = s.get_one(Job, job_id)
        assert job.attempts == 0 and job.status in (JobStatus.pending, JobStatus.queued)
    assert _steps(label) == []


def test_a_stalled_holder_that_lost_its_lease_stops(clean_db: str, short_leases: float) -> None:
    label = uuid.uuid4().hex[:12]
    with session_scope() as s:
        job_id = enqueue(s, "tests.long_stalls", {"label": label}).id
    assert execute_long_job(str(job_id)) == "lost"
    assert tasks.calls[label] == 0  # stopped at its first check after the takeover
    with session_scope(writes=False) as s:  # the job is left to the new holder
        assert s.get_one(Job, job_id).status is JobStatus.pending
        assert s.get_one(Lease, f"job:{job_id}").holder == "other-host:3:ghi"


def test_leases_one_holder_at_a_time(db: Session) -> None:
    name = f"camera:{uuid.uuid4().hex[:6]}"
    with session_scope() as s:
        assert leases.acquire(s, name, "a", 30)
    with session_scope() as s:
        assert not leases.acquire(s, name, "b", 30)
        assert leases.acquire(s, name, "a", 30)  # ours: renewed
        assert leases.renew(s, name, "a", 30) and not leases.renew(s, name, "b", 30)
        assert leases.holders(s, "camera:")[name].holder == "a"
    with session_scope() as s:
        leases.release(s, name, "b")  # not b's: nothing happens
        assert leases.holders(s, "camera:")[name].holder == "a"
        leases.release(s, name, "a")
    with session_scope() as s:
        assert name not in leases.holders(s, "camera:")
        assert leases.acquire(s, name, "b", 30)


def _status(job_id: uuid.UUID) -> JobStatus:
    with session_scope(writes=False) as s:
        return s.get_one(Job, job_id).status


def _until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_short_and_long_workers_take_only_their_jobs(clean_db: str, short_leases: float) -> None:
    long_id, _ = _canary(steps=1)
    with session_scope() as s:
        short_id = enqueue(s, "core.canary", {"label": uuid.uuid4().hex[:12]}).id
    short_only = JobWorker(threads=1, relay_interval=0.05, kinds="short").start()
    try:
        _until(lambda: _status(short_id) is JobStatus.done)
        time.sleep(1.0)
        assert _status(long_id) is not JobStatus.done  # no short-job worker takes footage or cameras
    finally:
        short_only.stop()
    long_only = JobWorker(threads=1, relay_interval=0.05, kinds="long").start()
    try:
        _until(lambda: _status(long_id) is JobStatus.done)
    finally:
        long_only.stop()
    with pytest.raises(ValueError, match="short, long"):
        JobWorker(kinds="cameras")


def test_the_worker_command_refuses_an_unknown_kind() -> None:
    from typer.testing import CliRunner

    from core.cli import app

    result = CliRunner().invoke(app, ["worker", "--jobs", "cameras"])
    assert result.exit_code == 2 and "all, short, long" in result.output
