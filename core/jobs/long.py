"""Long jobs: footage runs and live cameras, which take minutes or forever.

A long job cannot run inside its job row's transaction as short jobs do (that would hold the SQLite
write lock, or a PostgreSQL row lock, for the whole run while the run writes its own progress). It
runs under a lease instead: the worker takes the lease and counts the attempt in one short transaction,
a heartbeat thread renews the lease (and tells the relay the message is not lost), the handler writes
in its own transactions, and a last one marks the job done and releases the lease.

When the worker dies, its broker message is delivered again (RabbitMQ at once; the relay after
``job_redispatch_after_s`` otherwise); the worker that gets it waits for the dead holder's lease to
expire (``job_lease_ttl_s``) and runs the handler again, which resumes from what was committed. A
duplicate delivery while the holder is alive waits a little, then goes back to the broker to retry.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field

from sqlalchemy import update

from core.config import get_settings
from core.db import session_scope
from core.jobs import TaskSpec
from core.leases import acquire, process_holder, release, renew
from core.models import Job, JobStatus
from core.time import utc_now

logger = logging.getLogger(__name__)
RUNNABLE = (JobStatus.pending, JobStatus.queued, JobStatus.retrying)


class LeaseBusy(Exception):
    """Another live worker holds this job's lease: the broker delivers the message again later."""


class LeaseLost(Exception):
    """Our lease expired and was taken over (we stalled longer than its time to live): stop at once."""


@dataclass
class LongJob:
    """What a long handler gets instead of a session."""

    id: uuid.UUID
    lease: str
    holder: str
    lost: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        """Call between units of work: raises LeaseLost when another worker has taken over."""
        if self.lost.is_set():
            raise LeaseLost(f"lease {self.lease} was taken over")


class Heartbeat(threading.Thread):
    def __init__(self, job: LongJob, ttl_s: float):
        super().__init__(name=f"tvp-lease-{job.lease}", daemon=True)
        self.job = job
        self.ttl_s = ttl_s
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.ttl_s / 3):
            try:
                with session_scope() as session:
                    if not renew(session, self.job.lease, self.job.holder, self.ttl_s):
                        self.job.lost.set()
                        return
                    session.execute(update(Job).where(Job.id == self.job.id).values(dispatched_at=utc_now()))
            except Exception:  # the database is briefly away: try again; the lease may still hold
                logger.warning("lease %s not renewed", self.job.lease, exc_info=True)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=10)


def execute_long(job_id: uuid.UUID, spec: TaskSpec) -> str:
    settings = get_settings()
    ttl = settings.job_lease_ttl_s
    holder = process_holder()
    give_up_at = time.monotonic() + 2 * ttl
    while True:
        with session_scope() as session:
            job = session.get(Job, job_id)
            if job is None or job.status not in RUNNABLE:
                return "skipped"
            payload = dict(job.payload)
            lease = spec.lease(payload) if spec.lease else f"job:{job_id}"
            if acquire(session, lease, holder, ttl):
                job.attempts += 1
                job.dispatched_at = utc_now()
                break
        if time.monotonic() > give_up_at:
            raise LeaseBusy(f"job {job_id}: lease {lease} is held by a live worker")
        time.sleep(min(1.0, ttl / 3))
    handle = LongJob(job_id, lease, holder)
    heartbeat = Heartbeat(handle, ttl)
    heartbeat.start()
    try:
        spec.fn(handle, **payload)
    except LeaseLost:
        heartbeat.stop()
        logger.warning("job %s: lease lost; the worker that took it over finishes it", job_id)
        return "lost"
    except Exception as exc:
        heartbeat.stop()
        return _failed(job_id, lease, holder, exc)
    heartbeat.stop()
    with session_scope() as session:
        job = session.get_one(Job, job_id)
        job.status = JobStatus.done
        job.finished_at = utc_now()
        job.last_error = None
        release(session, lease, holder)
    return "done"


def _failed(job_id: uuid.UUID, lease: str, holder: str, exc: Exception) -> str:
    from core.jobs.runner import JobFailed

    with session_scope() as session:
        job = session.get_one(Job, job_id)
        job.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-4000:]
        release(session, lease, holder)
        if job.attempts >= job.max_attempts:
            job.status = JobStatus.dead
            job.finished_at = utc_now()
            logger.error("long job %s is out of attempts; moved to dead letters: %s", job_id, exc)
            return "dead"
        job.status = JobStatus.retrying
    raise JobFailed(f"job {job_id} failed: {exc}") from exc
