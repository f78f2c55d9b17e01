"""Jobs of payments: settling a succeeded payment (its own transaction, exactly once)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core.jobs import task
from core.time import utc_now
from payments.service import SETTLE_TASK, settle


@task(SETTLE_TASK, max_attempts=20)
def settle_payment(session: Session, *, payment_id: str) -> None:
    settle(session, uuid.UUID(payment_id), now=utc_now())
