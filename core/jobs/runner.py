"""Running one job: claim the row, call the handler, mark it done — all in one transaction."""

from __future__ import annotations

import logging
import traceback
import uuid

import dramatiq
from sqlalchemy import update

from core.config import Settings
from core.db import session_scope
from core.jobs import TASKS, UnknownTask
from core.logs import job_context
from core.models import Job, JobStatus
from core.time import utc_now

logger = logging.getLogger(__name__)
RUNNABLE = (JobStatus.pending, JobStatus.queued, JobStatus.retrying)


class JobFailed(Exception):
    """Raised to the broker so that it redelivers the message after a backoff."""


def execute(job_id: str) -> str:
    """Run a job once. Returns the resulting status; raises JobFailed when a retry is due."""
    with job_context(job_id):
        return _execute(job_id)


def _execute(job_id: str) -> str:
    jid = uuid.UUID(job_id)
    try:
        with session_scope() as session:
            # The UPDATE takes the row lock (the write lock on SQLite): a duplicate delivery waits here,
            # then finds the job done and skips it.
            claimed = session.execute(
                update(Job)
                .where(Job.id == jid, Job.status.in_(RUNNABLE))
                .values(attempts=Job.attempts + 1, updated_at=utc_now())
            )
            if claimed.rowcount == 0:  # type: ignore[attr-defined]
                logger.info("job %s already finished or unknown; skipping", job_id)
                return "skipped"
            job = session.get(Job, jid, populate_existing=True)
            assert job is not None
            spec = TASKS.get(job.name)
            if spec is None:
                raise UnknownTask(f"no handler registered for {job.name!r} in this worker")
            spec.fn(session, **job.payload)
            job.status = JobStatus.done
            job.finished_at = utc_now()
            job.last_error = None
            return "done"
    except Exception as exc:
        dead = _record_failure(jid, exc)
        if dead:
            logger.error("job %s is out of attempts; moved to dead letters: %s", job_id, exc)
            return "dead"
        raise JobFailed(f"job {job_id} failed: {exc}") from exc


def _record_failure(jid: uuid.UUID, exc: Exception) -> bool:
    with session_scope() as session:
        job = session.get(Job, jid)
        if job is None:
            return True
        job.attempts += 1
        job.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-4000:]
        if job.attempts >= job.max_attempts:
            job.status = JobStatus.dead
            job.finished_at = utc_now()
            return True
        job.status = JobStatus.retrying
        return False


def execute_long_job(job_id: str) -> str:
    from core.jobs.long import execute_long

    with job_context(job_id):
        jid = uuid.UUID(job_id)
        with session_scope(writes=False) as session:
            job = session.get(Job, jid)
            name = job.name if job is not None else None
        if name is None:
            return "skipped"
        spec = TASKS.get(name)
        if spec is None or not spec.long:
            return _execute(job_id)
        return execute_long(jid, spec)


LONG_TIME_LIMIT_MS = 10 * 365 * 86_400_000  # a live camera runs until stopped


def declare_actors(broker: dramatiq.Broker, settings: Settings) -> None:
    from core.jobs.broker import RUN_JOB, RUN_LONG_JOB, long_queue
    from core.jobs.long import LeaseBusy

    def run_job(job_id: str) -> None:
        execute(job_id)

    def run_long_job(job_id: str) -> None:
        execute_long_job(job_id)

    # Our own row decides when a job is dead; the broker just keeps redelivering with backoff.
    common = {
        "max_retries": 10_000,
        "min_backoff": settings.job_min_backoff_ms,
        "max_backoff": settings.job_max_backoff_ms,
        "retry_when": lambda retries, exc: isinstance(exc, JobFailed | LeaseBusy),
    }
    dramatiq.Actor(
        run_job,
        broker=broker,
        actor_name=RUN_JOB,
        queue_name=settings.jobs_queue,
        priority=0,
        options={**common, "time_limit": 3_600_000},
    )
    dramatiq.Actor(
        run_long_job,
        broker=broker,
        actor_name=RUN_LONG_JOB,
        queue_name=long_queue(settings),
        priority=0,
        options={**common, "time_limit": LONG_TIME_LIMIT_MS},
    )
