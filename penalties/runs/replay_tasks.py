"""Jobs of segmented replays: one long job per segment (penalties/runs/replays.py)."""

from __future__ import annotations

import uuid

from core.db import session_scope
from core.jobs import task
from core.jobs.long import LongJob
from core.models import Job
from penalties.runs.replay_ops import PROMOTE_TASK, promote_run
from penalties.runs.replays import SEGMENT_TASK, process_segment_run


@task(SEGMENT_TASK, long=True, max_attempts=3)
def replay_segment(job: LongJob, *, run_id: str) -> None:
    """Run one segment of a replay; the last one to finish merges them."""
    with session_scope(writes=False) as session:
        row = session.get_one(Job, job.id)
        last_attempt = row.attempts >= row.max_attempts
    process_segment_run(uuid.UUID(run_id), check=job.check, last_attempt=last_attempt)


@task(PROMOTE_TASK, long=True, max_attempts=3)
def replay_promote(job: LongJob, *, replay_id: str) -> None:
    """A replay's events become candidates for review, as `tvp process` makes them."""
    promote_run(uuid.UUID(replay_id), check=job.check)
