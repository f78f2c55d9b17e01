"""Notices delivered to a citizen's app, ready for the citizen's answers (tests of penalties.responses)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.keys import key_id, signing_key
from core.config import get_settings
from core.jobs.runner import execute
from core.models import Job
from core.plugins import load_tasks
from core.time import utc_now
from penalties.candidates.models import EvidenceItem, EvidenceKind
from penalties.law.assessment import assess
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.service import issue_notice
from registry.models import Citizen, OwnerKind
from registry.provider import LocalRegistryProvider
from tests.support.factories import make_candidate, make_citizen, make_vehicle

MANIFEST_SHA = "ab" * 32


def delivered_notice(
    db: Session, owner: Citizen, *, plate: str = "51G12345", organisation: bool = False
) -> uuid.UUID:
    """A red-light notice for ``owner``'s car, issued and delivered (its delivery job run); committed."""
    load_tasks()
    vehicle = make_vehicle(db, owner, plate=plate, display=f"{plate[:3]}-{plate[3:6]}.{plate[6:]}")
    if organisation:
        vehicle.owner_kind = OwnerKind.organisation
        vehicle.organisation_name = "Công ty TNHH Vận tải Sài Gòn"
        vehicle.organisation_tax_code = "0301234567"
    candidate = make_candidate(db, plate=plate)
    db.add(
        EvidenceItem(
            candidate_id=candidate.id,
            kind=EvidenceKind.manifest,
            sha256=MANIFEST_SHA,
            content_type="application/json",
            size_bytes=10,
        )
    )
    db.flush()
    record = LocalRegistryProvider().lookup(db, plate)
    assert record is not None
    assessment = assess(candidate.violation_code, "car", candidate.detected_at)
    notice = issue_notice(db, candidate, record, assessment, (), (), now=utc_now())
    db.commit()
    execute(str(db.scalars(select(Job.id).where(Job.key == f"deliver:{notice.id}")).one()))
    db.rollback()
    stored = db.get(Notice, notice.id)
    assert stored is not None and stored.status is NoticeStatus.delivered
    return notice.id


def token_with(cccd: str, **claims: Any) -> str:
    """An ID token of the embedded IdP with chosen claims (e.g. a level-1 sign-in)."""
    settings = get_settings()
    now = utc_now()
    body = {
        "iss": settings.idp_issuer.rstrip("/"),
        "aud": settings.idp_audience,
        "sub": cccd,
        "cccd": cccd,
        "name": "Test",
        "iat": now,
        "exp": now + timedelta(minutes=10),
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, signing_key(), algorithm="RS256", headers={"kid": key_id()})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def people(db: Session, *serials: int) -> list[Citizen]:
    return [make_citizen(db, serial=s, name=f"Công dân {s}") for s in serials]
