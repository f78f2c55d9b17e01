"""The outbox relay: hands committed job rows to the broker."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from sqlalchemy import and_, or_, select

from core.config import get_settings
from core.db import session_scope
from core.jobs import TASKS, on_jobs_committed
from core.jobs.broker import RUN_JOB, RUN_LONG_JOB, get_broker
from core.models import Job, JobStatus
from core.time import utc_now

logger = logging.getLogger(__name__)


def dispatch_due(limit: int = 100) -> int:
    """Send due jobs to the broker; re-send ones whose message seems lost. Returns how many were sent."""
    settings = get_settings()
    broker = get_broker()
    actor, long_actor = broker.get_actor(RUN_JOB), broker.get_actor(RUN_LONG_JOB)
    now = utc_now()
    stale = now - timedelta(seconds=settings.job_redispatch_after_s)
    stale_retry = stale - timedelta(milliseconds=settings.job_max_backoff_ms)
    with session_scope() as session:
        query = (
            select(Job)
            .where(
                or_(
                    and_(Job.status == JobStatus.pending, Job.run_after <= now),
                    and_(Job.status == JobStatus.queued, Job.dispatched_at < stale),
                    and_(Job.status == JobStatus.retrying, Job.updated_at < stale_retry),
                )
            )
            .order_by(Job.run_after)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        jobs = list(session.scalars(query))
        for job in jobs:
            spec = TASKS.get(job.name)
            message = (long_actor if spec is not None and spec.long else actor).send(str(job.id))
            job.status = JobStatus.queued
            job.dispatched_at = now
            job.message_id = uuid.UUID(message.message_id)
    return len(jobs)


class Relay(threading.Thread):
    def __init__(self, interval: float = 1.0):
        super().__init__(name="tvp-job-relay", daemon=True)
        self.interval = interval
        self.wake = threading.Event()
        self.stopping = threading.Event()
        on_jobs_committed(self.wake.set)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()
            try:
                while dispatch_due() and not self.stopping.is_set():
                    pass
            except Exception:  # broker or DB down: keep the rows, try again later
                logger.exception("job relay could not dispatch; retrying in %.1fs", self.interval)
            self.wake.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.join(timeout=10)
