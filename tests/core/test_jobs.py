"""The job engine on the embedded default (Dramatiq StubBroker, in-process worker)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.jobs import UnknownTask, enqueue
from core.jobs.runner import execute
from core.jobs.worker import JobWorker
from core.models import AuditEntry, Job, JobStatus, Role
from core.time import utc_now
from tests.support import tasks
from tests.support.factories import staff_headers


@pytest.fixture
def worker(clean_db: str) -> Iterator[JobWorker]:
    w = JobWorker(threads=2, relay_interval=0.05).start()
    yield w
    w.stop()


def _audit_count(db: Session, action: str, label: str) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.object_id == label)
        )
        or 0
    )


def test_committed_job_runs_once(worker: JobWorker, db: Session, unique: str) -> None:
    with session_scope() as s:
        job_id = enqueue(s, "tests.record", {"label": unique}).id
    worker.join()
    job = db.get(Job, job_id)
    assert job is not None and job.status is JobStatus.done and job.attempts == 1
    assert tasks.calls[unique] == 1
    assert _audit_count(db, "tests.record", unique) == 1


def test_job_in_rolled_back_transaction_never_runs(worker: JobWorker, db: Session, unique: str) -> None:
    with pytest.raises(RuntimeError, match="request failed"), session_scope() as s:
        enqueue(s, "tests.record", {"label": unique})
        raise RuntimeError("request failed")
    worker.join()
    assert tasks.calls[unique] == 0
    assert db.scalar(select(func.count()).select_from(Job)) == 0


def test_duplicate_delivery_is_idempotent(db: Session, unique: str) -> None:
    with session_scope() as s:
        job_id = str(enqueue(s, "tests.record", {"label": unique}).id)
    assert execute(job_id) == "done"
    assert execute(job_id) == "skipped"  # the broker delivered the same message twice
    assert tasks.calls[unique] == 1
    assert _audit_count(db, "tests.record", unique) == 1


def test_retries_with_backoff_then_succeeds(worker: JobWorker, db: Session, unique: str) -> None:
    with session_scope() as s:
        job_id = enqueue(s, "tests.flaky", {"label": unique, "fail_times": 2}).id
    worker.join()
    job = db.get(Job, job_id)
    assert job is not None and job.status is JobStatus.done
    assert job.attempts == 3 and tasks.calls[unique] == 3
    assert _audit_count(db, "tests.flaky_done", unique) == 1


def test_out_of_attempts_goes_to_dead_letters(
    worker: JobWorker, db: Session, unique: str, client: TestClient
) -> None:
    with session_scope() as s:
        job_id = enqueue(s, "tests.always_fails", {"label": unique}).id
    worker.join()
    job = db.get(Job, job_id)
    assert job is not None and job.status is JobStatus.dead
    assert job.attempts == 3 and tasks.calls[unique] == 3
    assert "boom" in (job.last_error or "")
    assert _audit_count(db, "tests.partial", unique) == 0  # failed attempts left nothing behind

    ops = staff_headers(Role.ops)
    dead = client.get("/api/ops/jobs", params={"status": "dead"}, headers=ops).json()
    assert [j["id"] for j in dead["items"]] == [str(job_id)] and dead["total"] == 1
    assert client.post(f"/api/ops/jobs/{job_id}/retry", headers=ops).json()["status"] == "pending"
    assert client.post(f"/api/ops/jobs/{job_id}/retry", headers=ops).json()["error"] == "Conflict"
    worker.join()
    db.expire_all()
    assert db.get(Job, job_id).status is JobStatus.dead  # type: ignore[union-attr]
    assert tasks.calls[unique] == 6


def test_idempotency_key_returns_the_first_job(db: Session) -> None:
    with session_scope() as s:
        first = enqueue(s, "tests.record", {"label": "a"}, key="notice:1:push").id
        second = enqueue(s, "tests.record", {"label": "b"}, key="notice:1:push").id
    assert first == second
    assert db.scalar(select(func.count()).select_from(Job)) == 1


def test_unknown_task_is_refused(db: Session) -> None:
    with pytest.raises(UnknownTask):
        enqueue(db, "no.such_task")


def test_broker_down_keeps_jobs_pending_until_it_is_back(db: Session, unique: str, monkeypatch) -> None:
    from core.config import get_settings
    from core.jobs.broker import reset_broker
    from core.jobs.relay import dispatch_due

    with session_scope() as s:
        job_id = enqueue(s, "tests.record", {"label": unique}).id
    reset_broker()
    monkeypatch.setattr(get_settings(), "broker_url", "amqp://guest:guest@127.0.0.1:1/")
    try:
        with pytest.raises(Exception, match=r"(?i)connect|refused|closed"):
            dispatch_due()
        assert db.get(Job, job_id).status is JobStatus.pending  # type: ignore[union-attr]
    finally:
        reset_broker()
        monkeypatch.undo()
    worker = JobWorker(threads=1, relay_interval=0.05).start()
    try:
        worker.join()
    finally:
        worker.stop()
    db.rollback()  # end this session's read snapshot
    assert db.get(Job, job_id).status is JobStatus.done  # type: ignore[union-attr]
    assert tasks.calls[unique] == 1


def test_every_scheduled_job_runs_with_the_schedulers_payload(db: Session, own_data_dir: Path) -> None:
    """The scheduler sends {"at": slot} to every periodic task; a handler that cannot take it would die
    every time it is due (payments.check_pending and penalties.points_restorations once did)."""
    from core.jobs.schedule import SCHEDULES, enqueue_due
    from core.plugins import load_tasks

    load_tasks()
    assert {"payments.check_pending", "penalties.points_restorations", "payments.reconcile"} <= set(SCHEDULES)
    made = enqueue_due(utc_now())
    assert len(made) == len(SCHEDULES)
    jobs = db.scalars(select(Job).where(Job.name.in_(SCHEDULES))).all()
    outcomes = {job.name: execute(str(job.id)) for job in jobs}
    assert outcomes == dict.fromkeys(SCHEDULES, "done")
