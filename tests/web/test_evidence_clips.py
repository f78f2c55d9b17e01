"""Evidence clips a browser can play: a VP8/WebM copy written once with the package, listed in the
manifest under ``derived`` beside the original, served as stored (never transcoded in a request)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import cv2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import LocalBlobStore, get_blob_store
from core.models import Role
from penalties.cameras.models import Camera
from penalties.candidates.demo import seed_candidates
from penalties.candidates.evidence import verify_candidate
from penalties.candidates.models import EvidenceItem, EvidenceKind, ViolationCandidate
from tests.support.factories import make_candidate, make_citizen, make_staff, make_vehicle
from tests.web.test_pages import HTML, _sign_in

EBML = b"\x1a\x45\xdf\xa3"  # every WebM file starts with this


def _packaged(db: Session) -> ViolationCandidate:
    db.add(
        Camera(
            code="HCM-Q1-009",
            name="Ngã tư Lê Lợi – Pasteur",
            road="Lê Lợi",
            province_code="51",
            latitude=10.77,
            longitude=106.70,
            speed_limit_kmh=50,
        )
    )
    make_vehicle(db, make_citizen(db, serial=4321))
    assert seed_candidates(db, random.Random(5), count=1) == 1
    db.commit()
    return db.scalars(select(ViolationCandidate)).one()


def _item(candidate: ViolationCandidate, kind: EvidenceKind) -> EvidenceItem:
    (item,) = [i for i in candidate.evidence if i.kind is kind]
    return item


def test_package_writes_a_playable_copy_listed_beside_the_original(
    evidence_dir: Path, client: TestClient, db: Session
) -> None:
    candidate = _packaged(db)
    store = get_blob_store()
    clip, manifest_item = _item(candidate, EvidenceKind.clip), _item(candidate, EvidenceKind.manifest)
    manifest = json.loads(store.get(manifest_item.sha256))
    (derived,) = manifest["derived"]
    assert derived["name"] == "clip.webm" and derived["from"] == "clip.mp4"
    assert derived["content_type"] == "video/webm"
    assert "clip.webm" not in [f["name"] for f in manifest["files"]]  # the original stays the evidence
    data = store.get(derived["sha256"])
    assert data.startswith(EBML) and derived["size"] == len(data)
    video = evidence_dir.parent / "copy.webm"
    video.write_bytes(data)
    cap = cv2.VideoCapture(str(video))
    frames = 0
    while cap.read()[0]:
        frames += 1
    cap.release()
    assert frames == 2  # the demo event's two clip frames
    assert verify_candidate(db, store, candidate) == []

    make_staff(db, Role.reviewer, username="clips1")
    db.commit()
    _sign_in(client, "clips1")
    first = client.get(f"/evidence/{clip.id}/preview.webm")
    assert first.status_code == 200 and first.headers["content-type"] == "video/webm"
    assert first.content == data and first.headers["x-content-sha256"] == derived["sha256"]
    page = client.get(f"/review/{candidate.id}", headers=HTML).text
    assert f'<video src="/evidence/{clip.id}/preview.webm"' in page


def test_a_missing_playable_copy_is_reported_by_verify(evidence_dir: Path, db: Session) -> None:
    candidate = _packaged(db)
    store = get_blob_store()
    assert isinstance(store, LocalBlobStore)
    manifest = json.loads(store.get(_item(candidate, EvidenceKind.manifest).sha256))
    store.path(manifest["derived"][0]["sha256"]).unlink()
    (problem,) = verify_candidate(db, store, candidate)
    assert "clip.webm" in problem


def test_a_package_without_a_copy_offers_the_original(
    evidence_dir: Path, client: TestClient, db: Session
) -> None:
    candidate = make_candidate(db)
    store = get_blob_store()
    original = b"\x00\x00\x00\x18ftypmp42 an old package's clip"
    clip = EvidenceItem(
        candidate_id=candidate.id,
        kind=EvidenceKind.clip,
        sha256=store.put(original),
        content_type="video/mp4",
        size_bytes=len(original),
        captured_at=candidate.detected_at,
    )
    manifest = json.dumps({"files": [{"name": "clip.mp4", "sha256": clip.sha256}]}).encode()
    db.add_all(
        [
            clip,
            EvidenceItem(
                candidate_id=candidate.id,
                kind=EvidenceKind.manifest,
                sha256=store.put(manifest),
                content_type="application/json",
                size_bytes=len(manifest),
                captured_at=None,
            ),
        ]
    )
    make_staff(db, Role.reviewer, username="clips2")
    db.commit()
    _sign_in(client, "clips2")
    resp = client.get(f"/evidence/{clip.id}/preview.webm")
    assert resp.status_code == 404
    assert resp.json()["detail"] == f"clip {clip.id} has no browser-playable copy; download the original"
    page = client.get(f"/review/{candidate.id}", headers=HTML).text
    assert "<video" not in page and f'href="/evidence/{clip.id}"' in page
