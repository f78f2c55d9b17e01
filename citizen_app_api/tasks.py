"""Jobs of the citizen app: telling the citizen's app about an event from the domain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citizen_app_api.delivery import tasks as _delivery_tasks  # noqa: F401 (registers the send job)
from citizen_app_api.delivery.service import fan_out
from core import audit
from core.jobs import task
from penalties.notices.notify import NOTIFY_TASK


@task(NOTIFY_TASK, max_attempts=10)
def notify(session: Session, *, cccd: str, event: str, object_id: str) -> None:
    """Record the event and fan it out to the citizen's devices: one outbox row per endpoint, in this
    job's transaction (sent by ``citizen_app.send_delivery``)."""
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="citizen.notify",
        object_type="citizen",
        object_id=cccd,
        detail={"event": event, "object_id": object_id},
    )
    fan_out(session, cccd, event, object_id)
