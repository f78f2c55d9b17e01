"""Citizen-facing copies of a real evidence package: made once, stored by hash, listed in a privacy
manifest that names the package's manifest; faces and other plates gone (checked with our detectors);
the originals byte-identical and the package still verifies."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import AuditEntry
from detection.privacy import PrivacyFilter
from penalties.candidates.evidence import verify_candidate
from penalties.candidates.models import EvidenceItem, EvidenceKind, PrivacyCopy
from penalties.candidates.privacy import MANIFEST_NAME, citizen_copies
from penalties.candidates.tasks import privacy_copies
from tests.support.factories import make_candidate
from tests.support.privacy import OFFENDER, OFFENDER_BOX, iou, packaged_candidate, privacy_filter

__all__ = ["privacy_filter"]  # the session fixture

NAMES = ["blurred-clip.webm", "blurred-frame-at.png", "blurred-frame-before.png", "blurred-plate.png"]


def _image(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _video(data: bytes, suffix: str) -> list[np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"clip{suffix}"
        path.write_bytes(data)
        cap = cv2.VideoCapture(str(path))
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
        cap.release()
    return frames


def _faces(fil: PrivacyFilter, image: np.ndarray) -> int:
    return sum(r.source == "dlib" for r in fil.find_faces(image))


def _plates(fil: PrivacyFilter, image: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(round(float(v)) for v in b) for b in fil.find_plates(image).xyxy]


def test_copies_blur_faces_and_other_plates_and_leave_the_package_alone(
    evidence_dir: Path, db: Session, privacy_filter: PrivacyFilter
) -> None:
    candidate = packaged_candidate(db)
    store = get_blob_store()
    items = {i.kind: i for i in candidate.evidence if i.kind is not EvidenceKind.frame}
    originals = {i.sha256: store.get(i.sha256) for i in candidate.evidence}
    manifest = json.loads(store.get(items[EvidenceKind.manifest].sha256))
    by_name = {f["name"]: f for f in manifest["files"]}
    before, at = (_image(originals[by_name[n]["sha256"]]) for n in ("frame-before.png", "frame-at.png"))
    clip = _video(originals[by_name["clip.mp4"]["sha256"]], ".mp4")
    # What there is to hide, as our detectors see it (else the test proves nothing):
    assert _faces(privacy_filter, before) >= 2 and len(_plates(privacy_filter, at)) >= 4
    assert _faces(privacy_filter, clip[0]) >= 1 and len(_plates(privacy_filter, clip[-1])) >= 4

    copies = citizen_copies(db, store, candidate)
    db.commit()

    named = {c.name: c for c in copies}
    assert sorted(named) == sorted([*NAMES, MANIFEST_NAME])  # overlays (drawn, captioned) stay staff-only
    blurred_before = _image(store.get(named["blurred-frame-before.png"].sha256))
    assert _faces(privacy_filter, blurred_before) == 0 and _plates(privacy_filter, blurred_before) == []
    blurred_at = _image(store.get(named["blurred-frame-at.png"].sha256))
    (kept,) = _plates(privacy_filter, blurred_at)
    assert iou(kept, OFFENDER_BOX) > 0.5 and _faces(privacy_filter, blurred_at) == 0
    x1, y1, x2, y2 = OFFENDER_BOX
    assert np.array_equal(blurred_at[y1:y2, x1:x2], at[y1:y2, x1:x2])  # the offender's plate as it was
    crop = _image(store.get(named["blurred-plate.png"].sha256))
    assert privacy_filter.reader.read_many([crop])[0].compact == OFFENDER  # type: ignore[union-attr]

    webm = store.get(named["blurred-clip.webm"].sha256)
    assert webm.startswith(b"\x1a\x45\xdf\xa3") and named["blurred-clip.webm"].content_type == "video/webm"
    frames = _video(webm, ".webm")
    assert len(frames) == len(clip) and frames[0].shape[1] <= 640
    scale = frames[0].shape[1] / at.shape[1]
    offender = tuple(round(v * scale) for v in OFFENDER_BOX)
    for frame in frames:
        assert _faces(privacy_filter, frame) == 0
        assert all(iou(p, offender) > 0.3 for p in _plates(privacy_filter, frame))  # only the offender's
    assert [len(_plates(privacy_filter, f)) for f in frames[2:]] == [1, 1, 1]  # which the clip keeps
    assert named["blurred-clip.webm"].regions >= 2 * 3 + 3 * 4

    # The privacy manifest: derived from the package's manifest, each copy from its original.
    document = json.loads(store.get(named[MANIFEST_NAME].sha256))
    assert document["privacy_manifest_version"] == 1
    assert document["evidence_manifest_sha256"] == items[EvidenceKind.manifest].sha256
    assert named[MANIFEST_NAME].source_sha256 == items[EvidenceKind.manifest].sha256
    assert document["offender_plate"] == OFFENDER and "dlib" in document["models"]["faces"]
    for entry in document["files"]:
        copy = named[entry["name"]]
        assert entry["sha256"] == copy.sha256 and entry["content_type"] == copy.content_type
        assert entry["from"] == {"name": by_name[entry["from"]["name"]]["name"], "sha256": copy.source_sha256}
        assert by_name[entry["from"]["name"]]["sha256"] == copy.source_sha256
        assert entry["regions_blurred"] == copy.regions and copy.sha256 not in originals
    assert [e["regions_blurred"] > 0 for e in document["files"] if e["kind"] == "frame"] == [True, True]

    # The originals: byte-identical, the same records, the package verifies.
    assert {i.sha256: store.get(i.sha256) for i in candidate.evidence} == originals
    assert db.scalar(select(func.count()).select_from(EvidenceItem)) == len(originals)
    assert verify_candidate(db, store, candidate) == []

    # Made once: asking again (or the job) reads the rows, it makes nothing new.
    assert [c.id for c in citizen_copies(db, store, candidate)] == [c.id for c in copies]
    privacy_copies(db, candidate_id=str(candidate.id))
    db.commit()
    assert db.scalar(select(func.count()).select_from(PrivacyCopy)) == 5


def test_the_job_makes_the_copies_and_a_package_less_candidate_has_none(
    evidence_dir: Path, db: Session, privacy_filter: PrivacyFilter
) -> None:
    bare = make_candidate(db)
    assert citizen_copies(db, get_blob_store(), bare) == []
    candidate = packaged_candidate(db)
    privacy_copies(db, candidate_id=str(candidate.id))
    db.commit()
    rows = db.scalars(select(PrivacyCopy).where(PrivacyCopy.candidate_id == candidate.id)).all()
    assert sorted(r.name for r in rows) == sorted([*NAMES, MANIFEST_NAME])
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.privacy_copies")).one()
    assert audit.detail["copies"] == 4
    assert verify_candidate(db, get_blob_store(), candidate) == []
