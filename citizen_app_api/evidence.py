"""A notice's evidence as the citizen sees it: only the privacy copies (every face and every other
vehicle's plate blurred), never the originals, which stay staff-only (web/review.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.db import get_write_session
from core.evidence import get_blob_store
from penalties.candidates.exceptions import EvidenceNotFound
from penalties.candidates.models import EvidenceKind, PrivacyCopy, ViolationCandidate
from penalties.candidates.privacy import MANIFEST_NAME, citizen_copies
from penalties.notices.access import notice_for_citizen

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited; copies made
Citizen = Annotated[Principal, Depends(citizen_only())]


class CitizenEvidenceItem(BaseModel):
    name: str
    kind: EvidenceKind
    content_type: str
    sha256: str
    size_bytes: int
    url: str


class CitizenEvidence(BaseModel):
    notice_id: uuid.UUID
    items: list[CitizenEvidenceItem]
    privacy_manifest_sha256: str | None  # the manifest listing the copies (GET …/evidence/<its name>)
    evidence_manifest_sha256: str | None  # the original package's, which the copies derive from


def _copies(db: Session, notice_id: uuid.UUID, principal: Principal) -> list[PrivacyCopy]:
    notice = notice_for_citizen(db, notice_id, principal.cccd, purpose="notice evidence")
    candidate = db.get(ViolationCandidate, notice.candidate_id)
    return [] if candidate is None else citizen_copies(db, get_blob_store(), candidate)


@router.get(
    "/notices/{notice_id}/evidence",
    response_model=CitizenEvidence,
    summary="My notice's evidence, faces and other vehicles' plates blurred",
)
def notice_evidence(notice_id: uuid.UUID, db: DB, principal: Citizen) -> CitizenEvidence:
    copies = _copies(db, notice_id, principal)
    manifest = next((c for c in copies if c.name == MANIFEST_NAME), None)
    base = f"/api/citizen/v1/notices/{notice_id}/evidence"
    return CitizenEvidence(
        notice_id=notice_id,
        items=[
            CitizenEvidenceItem(
                name=c.name,
                kind=c.kind,
                content_type=c.content_type,
                sha256=c.sha256,
                size_bytes=c.size_bytes,
                url=f"{base}/{c.name}",
            )
            for c in copies
            if c is not manifest
        ],
        privacy_manifest_sha256=manifest.sha256 if manifest else None,
        evidence_manifest_sha256=manifest.source_sha256 if manifest else None,
    )


@router.get("/notices/{notice_id}/evidence/{name}", summary="One blurred evidence file of my notice")
def notice_evidence_file(notice_id: uuid.UUID, name: str, db: DB, principal: Citizen) -> Response:
    copy = next((c for c in _copies(db, notice_id, principal) if c.name == name), None)
    if copy is None:
        raise EvidenceNotFound(f"notice {notice_id} has no evidence file {name!r}")
    return Response(
        get_blob_store().get(copy.sha256),
        media_type=copy.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-SHA256": copy.sha256},
    )
