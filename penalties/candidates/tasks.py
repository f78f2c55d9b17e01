"""Jobs of candidates: the citizen-facing privacy copies of a candidate's evidence."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core import audit
from core.evidence import get_blob_store
from core.jobs import task
from penalties.candidates.models import ViolationCandidate
from penalties.candidates.privacy import MANIFEST_NAME, PRIVACY_TASK, citizen_copies


@task(PRIVACY_TASK, max_attempts=3)
def privacy_copies(session: Session, *, candidate_id: str) -> None:
    """Make the blurred copies once (seconds of CPU), before the citizen first opens the evidence."""
    candidate = session.get(ViolationCandidate, uuid.UUID(candidate_id))
    if candidate is None:
        return
    copies = citizen_copies(session, get_blob_store(), candidate)
    manifest = next((c for c in copies if c.name == MANIFEST_NAME), None)
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="evidence.privacy_copies",
        object_type="violation_candidate",
        object_id=candidate.id,
        detail={
            "copies": len(copies) - 1 if manifest else 0,
            "manifest_sha256": manifest and manifest.sha256,
        },
    )
