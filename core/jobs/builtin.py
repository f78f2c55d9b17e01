"""Jobs that belong to core itself."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task


@task("core.canary", max_attempts=3)
def canary(session: Session, *, label: str = "canary", hold_seconds: float = 0.0) -> None:
    """End-to-end probe of the job pipeline for ops: writes an audit entry once the job completes."""
    audit.record(session, actor=audit.SYSTEM, action="jobs.canary", object_type="job", object_id=label)
    if hold_seconds:
        time.sleep(hold_seconds)
