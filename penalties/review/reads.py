"""Reads of personal data for staff work, each audited with its purpose."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from penalties.candidates.models import ViolationCandidate
from penalties.notices.models import Notice
from penalties.review.flags import check as check_flags
from penalties.review.service import CandidateNotFound
from registry.provider import RegistryUnavailable, VehicleRecord, get_provider


class NoticeNotFound(CandidateNotFound):
    """No such notice."""


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


def read_notice(session: Session, notice_id: uuid.UUID, *, actor: str, purpose: str) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeNotFound(f"no notice {notice_id}")
    audit.record_read(
        session,
        actor=actor,
        object_type="notice",
        object_id=notice.id,
        purpose=purpose,
        owner_cccd=notice.owner_cccd,
    )
    return notice
