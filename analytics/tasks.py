"""The hourly refresh: today and yesterday in Vietnam (yesterday so its last hour is complete)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from analytics.refresh import refresh_day
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import to_local, utc_now

logger = logging.getLogger(__name__)
REFRESH_TASK = "analytics.refresh_days"


@periodic(timedelta(hours=1))
@task(REFRESH_TASK, max_attempts=5)
def refresh_recent_days(session: Session, *, at: str | None = None) -> None:
    """Rebuild the aggregate of the Vietnam day of the slot ``at`` (default: now) and the day before."""
    today = to_local(datetime.fromisoformat(at) if at else utc_now()).date()
    for day in (today - timedelta(days=1), today):
        rows = refresh_day(session, day)
        logger.info("analytics: %s refreshed, %d rows", day, rows)
