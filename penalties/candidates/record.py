"""A violation event becomes a candidate with its evidence package (unless it is a repeat)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, metrics
from core.evidence import BlobStore
from detection.camera import ViolationEvent
from penalties.cameras.config import LoadedCamera
from penalties.cameras.models import Camera
from penalties.candidates.dedup import dedup_key, event_box
from penalties.candidates.evidence import package
from penalties.candidates.merge import merge_target
from penalties.candidates.models import ViolationCandidate

ACTOR = "system:camera-pipeline"


def record_event(
    session: Session,
    store: BlobStore,
    camera: Camera,
    event: ViolationEvent,
    loaded: LoadedCamera,
    run_id: uuid.UUID | None,
) -> ViolationCandidate | None:
    """The new candidate, or None when the event was already recorded or merged into another."""
    key = dedup_key(event)
    if session.scalar(select(ViolationCandidate.id).where(ViolationCandidate.dedup_key == key)):
        return None
    existing = merge_target(session, camera, event)
    if existing is not None:
        merged = list(existing.provenance.get("merged", []))
        if key not in merged:
            existing.provenance = {**existing.provenance, "merged": [*merged, key]}
        return None
    plate = event.plate
    candidate = ViolationCandidate(
        id=uuid.uuid4(),
        camera_id=camera.id,
        detected_at=event.at,
        violation_code=event.code,
        plate=plate.best.compact if plate else None,
        plate_confidence=round(plate.best.confidence, 4) if plate else None,
        vehicle_class=event.vehicle_class,
        measured=event.finding.measured,
        provenance={
            "run_id": str(run_id) if run_id else None,
            "models": event.provenance,
            "camera_config": {"version": loaded.config.camera.version, "sha256": loaded.sha256},
            "plate_text": plate.best.text if plate else None,
            "alternatives": [a.compact for a in plate.alternatives] if plate else [],
            "signal": event.signal,
            "vehicle_colour": event.vehicle_colour,
            "box": event_box(event),
        },
        dedup_key=key,
    )
    session.add(candidate)
    session.flush()
    manifest = package(session, store, candidate, camera, event, loaded.config, loaded.sha256, run_id)
    candidate.provenance = {**candidate.provenance, "manifest_sha256": manifest}
    audit.record(
        session,
        actor=ACTOR,
        action="candidate.detect",
        object_type="violation_candidate",
        object_id=candidate.id,
        detail={"code": event.code, "plate": candidate.plate, "manifest_sha256": manifest},
    )
    metrics.CANDIDATES_RECORDED.labels(event.code).inc()  # counted at flush: a rolled-back run overcounts
    return candidate
