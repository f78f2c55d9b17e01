"""Telling a citizen's app that something happened (a notice, a nomination, a decision…).

The domain only records the fact as a job in its own transaction; the citizen-app package
(``citizen_app_api.delivery``) registers the ``citizen_app.notify`` task that fans it out to the
citizen's registered endpoints, so nothing here imports the layer above.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core.jobs import enqueue

NOTIFY_TASK = "citizen_app.notify"
EVENTS = frozenset(
    {
        "notice.issued",  # a new notice in the citizen's inbox
        "notice.cancelled",
        "nomination.received",  # the named driver is asked to accept or refuse
        "nomination.answered",  # the owner learns the answer (or the timeout)
        "dispute.decided",
        "decision.issued",
        "decision.paid",  # the payment is settled: the e-receipt is ready
        "points.changed",
    }
)


def notify_citizen(session: Session, cccd: str, event: str, object_id: uuid.UUID | str) -> None:
    """Queue ``event`` about ``object_id`` for the citizen ``cccd`` (once per citizen, event and object)."""
    if event not in EVENTS:
        raise ValueError(f"unknown citizen event {event!r}")
    enqueue(
        session,
        NOTIFY_TASK,
        {"cccd": cccd, "event": event, "object_id": str(object_id)},
        key=f"notify:{event}:{object_id}:{cccd}",
    )
