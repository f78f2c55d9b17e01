"""Jobs of review: the queued half of a confirmation."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core.jobs import task


@task("penalties.complete_confirmation", max_attempts=20)
def complete_confirmation(session: Session, *, candidate_id: str) -> None:
    """Finish a confirmation that waited for the vehicle registry (retried with backoff while it is down)."""
    from penalties.review.service import complete_confirmation as complete

    complete(session, uuid.UUID(candidate_id))
