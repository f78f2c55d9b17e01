"""Jobs that belong to core itself."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task
from core.jobs.schedule import periodic

logger = logging.getLogger(__name__)


@task("core.canary", max_attempts=3)
def canary(session: Session, *, label: str = "canary", hold_seconds: float = 0.0) -> None:
    """End-to-end probe of the job pipeline for ops: writes an audit entry once the job completes."""
    audit.record(session, actor=audit.SYSTEM, action="jobs.canary", object_type="job", object_id=label)
    if hold_seconds:
        time.sleep(hold_seconds)


@periodic(timedelta(hours=1))
@task("core.anchor_chains", max_attempts=5)
def anchor_chains(session: Session, *, at: str | None = None) -> None:
    """Hourly: export the signed head of every hash chain outside the database (core/anchors.py)."""
    from core.anchors import write_anchor

    logger.info("chain heads anchored in %s", write_anchor(session))
