"""Reads of personal data for staff work, each audited with its purpose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from penalties.candidates.models import ViolationCandidate
from penalties.review.flags import check as check_flags
from registry.provider import RegistryUnavailable, VehicleRecord, get_provider


@dataclass
class RegistryPanel:
    vehicle: VehicleRecord | None = None
    flags: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def registry_panel(session: Session, candidate: ViolationCandidate, *, actor: str) -> RegistryPanel:
    """The registered vehicle and owner behind the candidate's plate, with its warnings."""
    panel = RegistryPanel(flags=list(candidate.flags))
    if not candidate.plate:
        return panel
    try:
        panel.vehicle = get_provider().lookup(session, candidate.plate)
    except RegistryUnavailable as exc:
        panel.error = str(exc)
        return panel
    panel.flags = check_flags(session, candidate, panel.vehicle)
    if panel.vehicle is not None:
        audit.record_read(
            session,
            actor=actor,
            object_type="vehicle",
            object_id=panel.vehicle.plate,
            purpose=f"review of candidate {candidate.id}",
            owner_cccd=panel.vehicle.owner.cccd,
        )
    return panel
