"""Jobs of the citizen app: telling the citizen's app about an event from the domain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task
from penalties.notices.notify import NOTIFY_TASK


@task(NOTIFY_TASK, max_attempts=10)
def notify(session: Session, *, cccd: str, event: str, object_id: str) -> None:
    """Record the event for the citizen's inbox (push delivery to their devices: citizen_app_api.delivery)."""
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="citizen.notify",
        object_type="citizen",
        object_id=cccd,
        detail={"event": event, "object_id": object_id},
    )
