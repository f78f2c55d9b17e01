"""Jobs of citizen-app delivery: send one delivery, sweep up lost ones, flag notices for post."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from citizen_app_api.delivery.postal import flag_for_post
from citizen_app_api.delivery.sending import overdue, send_delivery
from citizen_app_api.delivery.service import SEND_TASK
from core import audit
from core.config import get_settings
from core.jobs import enqueue, task
from core.jobs.schedule import periodic
from core.time import utc_now

SWEEP_EVERY = timedelta(hours=1)  # a safety net: the job engine itself re-sends lost messages


@task(SEND_TASK, max_attempts=5)
def send(session: Session, *, delivery_id: str) -> None:
    """One attempt; a retry is a new job scheduled by the attempt itself (with backoff and jitter)."""
    send_delivery(session, delivery_id)


@periodic(SWEEP_EVERY)
@task("citizen_app.sweep_deliveries", max_attempts=3)
def sweep(session: Session, *, at: str | None = None) -> None:
    """Deliveries whose send job was lost (dead worker, dead letter) are queued again."""
    slot = at or utc_now().isoformat()
    grace = timedelta(seconds=3 * get_settings().delivery_timeout_s) + SWEEP_EVERY
    for delivery_id in overdue(session, utc_now(), grace):
        enqueue(session, SEND_TASK, {"delivery_id": delivery_id}, key=f"send:{delivery_id}:sweep@{slot}")


@periodic(timedelta(hours=1))
@task("citizen_app.flag_postal", max_attempts=3)
def flag_postal(session: Session, *, at: str | None = None) -> None:
    """Hourly: published notices with no confirmed receipt after N days are marked for postal delivery."""
    flagged = flag_for_post(session, utc_now())
    if flagged:
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="postal.run",
            object_type="postal",
            detail={"flagged": flagged},
        )
