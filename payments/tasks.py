"""Jobs of payments: settling a succeeded payment (its own transaction, exactly once), and asking the
gateway about attempts whose callback never came."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import utc_now
from payments.service import SETTLE_TASK, check_pending, settle


@task(SETTLE_TASK, max_attempts=20)
def settle_payment(session: Session, *, payment_id: str) -> None:
    settle(session, uuid.UUID(payment_id), now=utc_now())


@periodic(timedelta(hours=1))
@task("payments.check_pending")
def check_pending_payments(session: Session, *, at: str | None = None) -> None:
    # ``at`` is the scheduler's slot (every periodic job gets it); the check uses the clock's now.
    counts = check_pending(session, utc_now())
    if counts["checked"]:
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="payments.check_pending",
            object_type="payments",
            object_id="pending",
            detail=counts,
        )
