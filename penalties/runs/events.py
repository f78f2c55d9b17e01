"""A run's events, one row each (run_events): recorded once per key, read in the order found."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penalties.runs.models import RunEvent


def run_events(session: Session, run_id: uuid.UUID) -> list[dict[str, Any]]:
    """A run's events in the order found."""
    rows = session.scalars(select(RunEvent.data).where(RunEvent.run_id == run_id).order_by(RunEvent.seq))
    return list(rows)


def event_counts(session: Session, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    query = (
        select(RunEvent.run_id, func.count()).where(RunEvent.run_id.in_(run_ids)).group_by(RunEvent.run_id)
    )
    return dict(session.execute(query).all())  # rows of (run id, count)


def record_run_events(
    session: Session, run_id: uuid.UUID, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add the events (each with its "key") the run does not hold yet, one row each; the keys already
    recorded are looked up through the (run, key) index. Returns the events added."""
    keys = [e["key"] for e in events]
    known = set(
        session.scalars(select(RunEvent.key).where(RunEvent.run_id == run_id, RunEvent.key.in_(keys)))
    )
    last = session.scalar(select(func.max(RunEvent.seq)).where(RunEvent.run_id == run_id))
    seq = -1 if last is None else last
    added = []
    for event in events:
        if event["key"] in known:
            continue
        known.add(event["key"])
        seq += 1
        session.add(RunEvent(run_id=run_id, seq=seq, key=event["key"], data=event))
        added.append(event)
    return added
