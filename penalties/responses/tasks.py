"""Jobs of the citizen's answers: named drivers who did not answer in time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import utc_now


@periodic(timedelta(hours=1))
@task("penalties.expire_nominations", max_attempts=5)
def expire_nominations(session: Session, *, at: str | None = None) -> None:
    """Hourly: a nomination unanswered past its deadline goes back to the owner."""
    from penalties.responses.nominations import expire_nominations as expire

    expired = expire(session, utc_now())
    if expired:
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="clock.nominations",
            object_type="clocks",
            detail={"expired": expired},
        )
