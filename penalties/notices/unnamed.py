"""Offences of a person the registry cannot name: recorded, never sent to the vehicle's owner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import audit
from penalties.candidates.models import ViolationCandidate
from penalties.law.assessment import Assessment
from penalties.notices.models import UnnamedOffence


def record_unnamed(
    session: Session, candidate: ViolationCandidate, assessment: Assessment, *, actor: str, now: datetime
) -> UnnamedOffence:
    offence = UnnamedOffence(
        candidate_id=candidate.id,
        violation_code=candidate.violation_code,
        person=assessment.vehicle_class,
        law=assessment.law,
        legal_basis=assessment.legal_reference[:200],
        fine_min_vnd=assessment.fine_min_vnd,
        fine_max_vnd=assessment.fine_max_vnd,
        amount_vnd=assessment.amount_vnd,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(offence)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="candidate.confirm_unnamed",
        object_type="violation_candidate",
        object_id=candidate.id,
        detail={"code": offence.violation_code, "person": offence.person, "amount_vnd": offence.amount_vnd},
    )
    return offence
