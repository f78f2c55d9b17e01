from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, NotFound
from core.models import Job, JobStatus
from core.time import utc_now


def list_jobs(
    session: Session, *, status: JobStatus | None, page: int = 1, size: int = 50
) -> tuple[Sequence[Job], int]:
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Job.created_at.desc()).offset((page - 1) * size).limit(size)).all()
    return rows, total


def retry_job(session: Session, job_id: uuid.UUID, *, actor: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if job.status is not JobStatus.dead:
        raise Conflict(f"only dead jobs can be retried (this one is {job.status.value})")
    job.status = JobStatus.pending
    job.attempts = 0
    job.finished_at = None
    job.run_after = utc_now()
    session.flush()
    audit.record(session, actor=actor, action="job.retry", object_type="job", object_id=job.id)
    session.info["tvp.jobs_enqueued"] = True
    return job
