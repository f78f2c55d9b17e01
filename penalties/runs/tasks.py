"""Jobs of processing runs."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from core.config import get_settings
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import utc_now
from penalties.runs.service import prune_events

logger = logging.getLogger(__name__)


@periodic(timedelta(days=1))
@task("penalties.prune_run_events", max_attempts=5)
def prune_run_events(session: Session, *, at: str | None = None) -> None:
    """Daily: live runs' old events and old replays' events go (TVP_RUN_EVENTS_RETENTION_DAYS)."""
    pruned = prune_events(session, now=utc_now(), keep_days=get_settings().run_events_retention_days)
    logger.info("run events pruned: %s", pruned)
