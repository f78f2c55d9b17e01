"""Repeats of one violation (the same vehicle seen again a moment later) merge into one candidate."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import get_settings
from detection.camera import ViolationEvent
from penalties.cameras.models import Camera
from penalties.candidates.dedup import event_box, passenger_of, same_place
from penalties.candidates.models import ViolationCandidate


def merge_target(session: Session, camera: Camera, event: ViolationEvent) -> ViolationCandidate | None:
    """The candidate this event repeats: same camera and code, and the same plate within the merge
    window (or, with no plate read, within a second)."""
    window = timedelta(seconds=get_settings().candidate_merge_window_s if event.plate else 1)
    query = select(ViolationCandidate).where(
        ViolationCandidate.camera_id == camera.id,
        ViolationCandidate.violation_code == event.code,
        ViolationCandidate.detected_at >= event.at - window,
        ViolationCandidate.detected_at <= event.at + window,
    )
    rider = passenger_of(event)
    if rider is not None:  # each passenger's own offence is theirs: only the same passenger merges
        same = [
            c for c in session.scalars(query.order_by(ViolationCandidate.detected_at)) if _rider(c) == rider
        ]
        query = query.where(ViolationCandidate.id.in_([c.id for c in same]))
    if event.plate:
        query = query.where(ViolationCandidate.plate == event.plate.best.compact)
        return session.scalars(query.order_by(ViolationCandidate.detected_at).limit(1)).first()
    # No plate: only the same vehicle (riders side by side crossing on red are each a violation).
    box = event_box(event)
    for candidate in session.scalars(query.order_by(ViolationCandidate.detected_at)):
        other = candidate.provenance.get("box")
        if box is None or other is None or same_place(box, other):
            return candidate
    return None


def _rider(candidate: ViolationCandidate) -> int | None:
    rider = (candidate.measured or {}).get("rider")
    return None if rider is None else int(rider)
