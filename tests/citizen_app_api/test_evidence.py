"""The citizen's view of a notice's evidence: blurred copies only (never an original), through the
notice access rule (404 for anyone else's notice), made lazily when the job has not run yet."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.jobs.runner import execute
from core.models import AuditEntry, Job, Role
from detection.privacy import PrivacyFilter
from detection.vehicles import VehicleClass
from penalties.candidates.evidence import verify_candidate
from penalties.candidates.models import EvidenceKind, ViolationCandidate
from penalties.notices.models import Notice
from tests.support.factories import citizen_token, make_citizen, make_vehicle, staff_headers
from tests.support.privacy import OFFENDER, packaged_candidate, privacy_filter

__all__ = ["privacy_filter"]  # the session fixture

NAMES = ["blurred-clip.webm", "blurred-frame-at.png", "blurred-frame-before.png", "blurred-plate.png"]


def _delivered_notice(client: TestClient, db: Session) -> tuple[Notice, ViolationCandidate]:
    owner = make_citizen(db, serial=7301)
    make_vehicle(db, owner, plate=OFFENDER, display="71-B3 333.33", vehicle_type=VehicleClass.motorbike)
    candidate = packaged_candidate(db)
    reviewer = staff_headers(Role.reviewer)
    base = f"/api/candidates/{candidate.id}"
    assert client.post(f"{base}/claim", json={}, headers=reviewer).status_code == 200
    confirmed = client.post(f"{base}/confirm", json={}, headers=reviewer)
    assert confirmed.status_code == 201, confirmed.text
    db.rollback()
    notice = db.get(Notice, uuid.UUID(confirmed.json()["notice"]["id"]))
    assert notice is not None
    execute(str(db.scalars(select(Job.id).where(Job.key == f"deliver:{notice.id}")).one()))
    db.rollback()
    return notice, candidate


def test_the_citizen_gets_blurred_copies_never_the_originals(
    evidence_dir: Path, client: TestClient, db: Session, privacy_filter: PrivacyFilter
) -> None:
    notice, candidate = _delivered_notice(client, db)
    # Delivery queued the copies' job (not run here: the first request makes them).
    job = db.scalars(select(Job).where(Job.key == f"privacy:{candidate.id}")).one()
    assert job.name == "penalties.privacy_copies" and job.payload == {"candidate_id": str(candidate.id)}
    store = get_blob_store()
    originals = {i.sha256 for i in candidate.evidence}
    evidence_manifest = next(i.sha256 for i in candidate.evidence if i.kind is EvidenceKind.manifest)
    served_never = {store.get(s) for s in originals}
    auth = {"Authorization": f"Bearer {citizen_token(client, notice.owner_cccd)}"}
    base = f"/api/citizen/v1/notices/{notice.id}/evidence"

    listing = client.get(base, headers=auth)
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["evidence_manifest_sha256"] == evidence_manifest
    assert sorted(i["name"] for i in body["items"]) == NAMES
    for item in body["items"]:
        assert item["sha256"] not in originals and item["url"] == f"{base}/{item['name']}"
        got = client.get(item["url"], headers=auth)
        assert got.status_code == 200 and got.headers["content-type"] == item["content_type"]
        assert got.headers["cache-control"].startswith("private")
        assert got.content == store.get(item["sha256"]) and got.content not in served_never
    manifest = client.get(f"{base}/privacy-manifest.json", headers=auth)
    assert manifest.status_code == 200
    assert json.loads(manifest.content)["evidence_manifest_sha256"] == evidence_manifest
    assert body["privacy_manifest_sha256"] == manifest.headers["x-content-sha256"]

    # No original by any name; the reads are audited; the package still verifies.
    for name in ("frame-at.png", "clip.mp4", "plate.png", "overlay-at.jpg", evidence_manifest):
        assert client.get(f"{base}/{name}", headers=auth).status_code == 404
    db.rollback()
    reads = db.scalars(select(AuditEntry).where(AuditEntry.object_id == str(notice.id))).all()
    assert any("evidence" in (r.detail or {}).get("purpose", "") for r in reads)
    assert verify_candidate(db, store, candidate) == []

    # The job, run now, finds the copies made and makes nothing new.
    execute(str(job.id))
    db.rollback()
    again = client.get(base, headers=auth).json()
    assert again == body


def test_another_citizen_gets_404_and_no_token_gets_401(
    evidence_dir: Path, client: TestClient, db: Session, privacy_filter: PrivacyFilter
) -> None:
    notice, _ = _delivered_notice(client, db)
    stranger = make_citizen(db, serial=7302)
    db.commit()
    other = {"Authorization": f"Bearer {citizen_token(client, stranger.cccd)}"}
    base = f"/api/citizen/v1/notices/{notice.id}/evidence"
    for path in (base, f"{base}/blurred-frame-at.png"):
        resp = client.get(path, headers=other)
        assert resp.status_code == 404 and resp.json()["error"] == "NoticeNotFound"
        assert client.get(path).status_code == 401
    missing = client.get(f"/api/citizen/v1/notices/{uuid.uuid4()}/evidence", headers=other)
    assert missing.status_code == 404 and missing.json()["error"] == "NoticeNotFound"
