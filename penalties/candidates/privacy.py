"""Citizen-facing copies of a candidate's evidence: every face and every other vehicle's plate blurred.

The originals (files, manifest, EvidenceItem rows, camera chain) are never touched and stay staff-only.
The copies are made once (a job when the notice is delivered, or on the first request that finds none),
stored in the evidence store by SHA-256, recorded as PrivacyCopy rows and listed in a privacy manifest
that names the evidence manifest it derives from and, for each copy, its original and what was blurred.

The clip has no boxes per frame: the offender's plate is kept where it reads as the candidate's plate
and followed through frames where it does not read (detection.privacy.PrivacyFilter.blur_clip). The
text, not a position, decides: another vehicle's plate that reads as another plate is always blurred,
and a plate that never reads as the offender's is blurred too (privacy before completeness).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.evidence import BlobStore, EvidenceError
from detection.privacy import Blurred, Offender, PrivacyFilter
from penalties.candidates.evidence import PLAYABLE_MAX_WIDTH, canonical
from penalties.candidates.models import EvidenceItem, EvidenceKind, PrivacyCopy, ViolationCandidate

PRIVACY_MANIFEST_VERSION = 1
MANIFEST_NAME = "privacy-manifest.json"
PRIVACY_TASK = "penalties.privacy_copies"
KINDS = (EvidenceKind.frame, EvidenceKind.plate_crop, EvidenceKind.clip)  # overlays stay staff-only


@lru_cache(maxsize=1)
def privacy_filter() -> PrivacyFilter:
    """The detectors, loaded once per process."""
    return PrivacyFilter()


def copies_of(session: Session, candidate_id: Any) -> list[PrivacyCopy]:
    return list(
        session.scalars(
            select(PrivacyCopy).where(PrivacyCopy.candidate_id == candidate_id).order_by(PrivacyCopy.name)
        )
    )


def citizen_copies(session: Session, store: BlobStore, candidate: ViolationCandidate) -> list[PrivacyCopy]:
    """The candidate's privacy copies and their manifest (kind ``manifest``), made now if missing;
    empty when the candidate has no evidence package."""
    existing = copies_of(session, candidate.id)
    if existing:
        return existing
    manifest_sha = session.scalar(
        select(EvidenceItem.sha256).where(
            EvidenceItem.candidate_id == candidate.id, EvidenceItem.kind == EvidenceKind.manifest
        )
    )
    if manifest_sha is None:
        return []
    rows = _make(store, candidate, manifest_sha)
    try:
        with session.begin_nested():  # a job and a request may both make them: the first one wins
            session.add_all(rows)
    except IntegrityError:
        return copies_of(session, candidate.id)
    return sorted(rows, key=lambda r: r.name)


def _make(store: BlobStore, candidate: ViolationCandidate, manifest_sha: str) -> list[PrivacyCopy]:
    manifest = json.loads(store.get(manifest_sha))
    plate = (manifest.get("vehicle") or {}).get("plate") or {}
    text = candidate.plate or plate.get("compact")  # a reviewer's correction wins over the camera's read
    box = candidate.provenance.get("box") if candidate.provenance else None
    fil = privacy_filter()
    rows: list[PrivacyCopy] = []
    entries: list[dict[str, Any]] = []
    for f in manifest.get("files", []):
        kind = EvidenceKind(f["kind"])
        if kind not in KINDS:
            continue
        data = store.get(f["sha256"])
        if kind is EvidenceKind.clip:
            made = _blur_clip(fil, data, Offender(plate_text=text))
            if made is None:
                continue
            out, content_type, regions, method = *made, "every frame; offender's plate kept where it reads"
        else:
            image = _decode(data)
            if kind is EvidenceKind.plate_crop:
                done, method = fil.blur(image, plates=False), "faces only: the offender's own plate"
            else:
                vehicle = (*box,) if box and f["name"] == "frame-at.png" else None
                done = fil.blur(image, Offender(plate_text=text, vehicle_box=vehicle))
                method = "faces and plates; offender's plate kept" if done.kept else "faces and plates"
            out, content_type, regions = _png(done.image), "image/png", len(done.regions)
        name = f"blurred-{Path(f['name']).stem}{'.webm' if kind is EvidenceKind.clip else '.png'}"
        sha = store.put(out)
        rows.append(
            PrivacyCopy(
                candidate_id=candidate.id,
                name=name,
                kind=kind,
                source_sha256=f["sha256"],
                sha256=sha,
                content_type=content_type,
                size_bytes=len(out),
                regions=regions,
            )
        )
        entries.append(
            {
                "name": name,
                "kind": str(kind),
                "from": {"name": f["name"], "sha256": f["sha256"]},
                "sha256": sha,
                "content_type": content_type,
                "size_bytes": len(out),
                "regions_blurred": regions,
                "method": method,
            }
        )
    document = canonical(
        {
            "privacy_manifest_version": PRIVACY_MANIFEST_VERSION,
            "candidate_id": str(candidate.id),
            "evidence_manifest_sha256": manifest_sha,
            "offender_plate": text,
            "models": fil.provenance,
            "files": entries,
        }
    )
    rows.append(
        PrivacyCopy(
            candidate_id=candidate.id,
            name=MANIFEST_NAME,
            kind=EvidenceKind.manifest,
            source_sha256=manifest_sha,
            sha256=store.put(document),
            content_type="application/json",
            size_bytes=len(document),
            regions=sum(e["regions_blurred"] for e in entries),
        )
    )
    return rows


def _decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise EvidenceError("could not decode an evidence image")
    return image


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise EvidenceError("could not encode a blurred frame as PNG")
    return data.tobytes()


def _frames(path: Path) -> Iterator[np.ndarray]:
    """The clip's frames, scaled to the playable width: the blur is checked on the pixels served."""
    cap = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            h, w = frame.shape[:2]
            scale = min(1.0, PLAYABLE_MAX_WIDTH / w)
            size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
            yield frame if size == (w, h) else cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    finally:
        cap.release()


def _blur_clip(fil: PrivacyFilter, data: bytes, offender: Offender) -> tuple[bytes, str, int] | None:
    """A VP8/WebM copy with every frame blurred (None: the clip does not decode, or no VP8 encoder)."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "clip.mp4", Path(tmp) / "clip.webm"
        source.write_bytes(data)
        cap = cv2.VideoCapture(str(source))
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        cap.release()
        writer: cv2.VideoWriter | None = None
        regions = frames = 0
        try:
            done: Blurred
            for done in fil.blur_clip(_frames(source), offender):
                if writer is None:
                    h, w = done.image.shape[:2]
                    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"VP80"), fps, (w, h))
                    if not writer.isOpened():
                        return None
                writer.write(done.image)
                regions += len(done.regions)
                frames += 1
        finally:
            if writer is not None:
                writer.release()
        if not frames or not target.exists():
            return None
        return target.read_bytes(), "video/webm", regions
