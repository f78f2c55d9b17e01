"""The daily reconciliation job: early morning in Vietnam, every gateway used the day before."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import to_local, utc_now
from payments.reconciliation.service import gateways_of_day, reconcile_gateway, run_counts

RECONCILE_TASK = "payments.reconcile"
# 19:30 UTC is 02:30 in Vietnam (UTC+7, no summer time): the previous Vietnam day is over, and late IPNs
# and the hourly pending check have had their chance.
DAILY_AT = timedelta(hours=19, minutes=30)


def previous_vn_day(at: datetime) -> date:
    return to_local(at).date() - timedelta(days=1)


@periodic(timedelta(days=1), offset=DAILY_AT)
@task(RECONCILE_TASK, max_attempts=5)
def reconcile_payments(
    session: Session, *, at: str | None = None, day: str | None = None, gateway: str | None = None
) -> None:
    """Reconcile ``day`` (default: the Vietnam day before the slot ``at``) for each gateway used then."""
    the_day = (
        date.fromisoformat(day) if day else previous_vn_day(datetime.fromisoformat(at) if at else utc_now())
    )
    names = [gateway] if gateway else gateways_of_day(session, the_day)
    runs = [reconcile_gateway(session, name, the_day, actor=audit.SYSTEM) for name in names]
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="payments.reconcile_day",
        object_type="reconciliation",
        object_id=the_day.isoformat(),
        detail={"runs": {run.gateway: run_counts(run) for run in runs}},
    )
