"""Jobs that belong to core itself."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.db import session_scope
from core.jobs import task
from core.jobs.long import LongJob
from core.jobs.schedule import periodic
from core.models import AuditEntry

logger = logging.getLogger(__name__)


@task("core.canary", max_attempts=3)
def canary(session: Session, *, label: str = "canary", hold_seconds: float = 0.0) -> None:
    """End-to-end probe of the job pipeline for ops: writes an audit entry once the job completes."""
    audit.record(session, actor=audit.SYSTEM, action="jobs.canary", object_type="job", object_id=label)
    if hold_seconds:
        time.sleep(hold_seconds)


@task("core.long_canary", max_attempts=3, long=True)
def long_canary(job: LongJob, *, label: str = "canary", steps: int = 1, step_seconds: float = 0.0) -> None:
    """Probe of the long-job queue: ``steps`` audit entries, each committed on its own. Run again after
    a takeover, it carries on from the steps already written (how footage runs resume)."""
    for step in range(_steps_done(label), steps):
        job.check()
        time.sleep(step_seconds)
        with session_scope() as session:
            audit.record(
                session,
                actor=audit.SYSTEM,
                action="jobs.long_canary",
                object_type="job",
                object_id=label,
                detail={"step": step},
            )


def _steps_done(label: str) -> int:
    with session_scope(writes=False) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "jobs.long_canary", AuditEntry.object_id == label)
            )
            or 0
        )


@periodic(timedelta(hours=1))
@task("core.anchor_chains", max_attempts=5)
def anchor_chains(session: Session, *, at: str | None = None) -> None:
    """Hourly: export the signed head of every hash chain outside the database (core/anchors.py)."""
    from core.anchors import write_anchor

    logger.info("chain heads anchored in %s", write_anchor(session))
