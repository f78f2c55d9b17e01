"""Background jobs: ``@task`` handlers, written to an outbox in the caller's transaction.

``enqueue(session, "pkg.verb", ...)`` adds a ``Job`` row; nothing reaches the broker until that
transaction commits (a rolled-back request leaves no job behind). The relay hands committed rows to
Dramatiq; the worker runs the handler and marks the row done in the same transaction as the handler's
own writes, so a handler's effects are committed exactly once even if a message is delivered twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.models import Job, JobStatus
from core.time import utc_now

Handler = Callable[..., None]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: Handler
    max_attempts: int | None
    # A long task (footage, a live camera) runs outside the job's transaction under a lease that it
    # renews (core/jobs/long.py); ``lease`` names the lease from the payload (default: the job's id).
    long: bool = False
    lease: Callable[[dict[str, Any]], str] | None = None


TASKS: dict[str, TaskSpec] = {}


class UnknownTask(LookupError):
    pass


def task(
    name: str,
    *,
    max_attempts: int | None = None,
    long: bool = False,
    lease: Callable[[dict[str, Any]], str] | None = None,
) -> Callable[[Handler], Handler]:
    """Register ``fn(session, **payload)`` as the handler for jobs called ``name``; with ``long=True``,
    ``fn(job: core.jobs.long.LongJob, **payload)`` (it opens its own transactions)."""

    def register(fn: Handler) -> Handler:
        if name in TASKS and TASKS[name].fn is not fn:
            raise ValueError(f"task {name!r} registered twice")
        TASKS[name] = TaskSpec(name, fn, max_attempts, long, lease)
        return fn

    return register


def enqueue(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    run_after: datetime | None = None,
) -> Job:
    """Record a job in the caller's transaction. With ``key``, a second enqueue returns the first job."""
    if name not in TASKS:
        raise UnknownTask(f"no task registered as {name!r}")
    if key is not None:
        existing = session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    spec = TASKS[name]
    job = Job(
        name=name,
        payload=payload or {},
        key=key,
        status=JobStatus.pending,
        max_attempts=spec.max_attempts or get_settings().job_max_attempts,
        run_after=run_after or utc_now(),
    )
    session.add(job)
    session.flush()
    session.info["tvp.jobs_enqueued"] = True
    return job


_commit_listeners: list[Callable[[], None]] = []


def on_jobs_committed(callback: Callable[[], None]) -> None:
    """Call ``callback`` after any commit that enqueued jobs (the relay uses it to wake up)."""
    _commit_listeners.append(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("tvp.jobs_enqueued", False):
        for callback in list(_commit_listeners):
            callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("tvp.jobs_enqueued", None)
