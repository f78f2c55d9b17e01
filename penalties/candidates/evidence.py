"""Evidence packages: the files behind a violation candidate, a manifest with the SHA-256 of each, and
a per-camera chain over the manifests (penalties/candidates/chains.py), so that altering, removing or
re-ordering evidence is detected.

Originals are stored as decoded (lossless PNG); overlays are separate, drawn copies.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import BlobStore, EvidenceError
from core.time import to_local
from detection.camera import EvidenceFrame, ViolationEvent
from detection.camera_config import CameraConfig
from detection.overlay import draw_event_overlay
from penalties.cameras.models import Camera
from penalties.candidates.chains import append_link
from penalties.candidates.models import EvidenceItem, EvidenceKind, EvidenceLink, ViolationCandidate

MANIFEST_VERSION = 1
CLIP_MAX_WIDTH = 960
PLAYABLE_MAX_WIDTH = 640  # the review page shows clips 640 px wide


@dataclass(frozen=True)
class Stored:
    name: str
    kind: EvidenceKind
    sha256: str
    content_type: str
    size: int
    captured_at: str | None

    def entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": str(self.kind),
            "sha256": self.sha256,
            "content_type": self.content_type,
            "size_bytes": self.size,
            "captured_at": self.captured_at,
        }


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise EvidenceError("could not encode a frame as PNG")
    return data.tobytes()


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise EvidenceError("could not encode an overlay as JPEG")
    return data.tobytes()


def _clip(frames: list[EvidenceFrame], fourcc: str, suffix: str, max_width: int) -> bytes | None:
    if len(frames) < 2:
        return None
    span = (frames[-1].captured_at - frames[0].captured_at).total_seconds()
    fps = max(1.0, (len(frames) - 1) / span) if span > 0 else 25.0
    h, w = frames[0].image.shape[:2]
    scale = min(1.0, max_width / w)
    size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"clip{suffix}"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, size)
        if not writer.isOpened():
            return None
        try:
            for frame in frames:
                writer.write(cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA))
        finally:
            writer.release()
        return path.read_bytes()


def _caption(event: ViolationEvent, config: CameraConfig, frame: EvidenceFrame, label: str) -> list[str]:
    local = to_local(frame.captured_at).strftime("%d/%m/%Y %H:%M:%S.%f")[:-3]
    plate = event.plate.best.text if event.plate else "?"
    measured = ", ".join(f"{k}={v}" for k, v in event.finding.measured.items())
    return [
        f"{config.camera.id} v{config.camera.version} · {config.camera.location.name}",
        f"{label}: {local} (ICT) · frame {frame.index}",
        f"{event.code} · {plate} · {event.vehicle_class} · {measured}",
    ]


def store_files(store: BlobStore, event: ViolationEvent, config: CameraConfig) -> list[Stored]:
    files: list[Stored] = []

    def put(name: str, kind: EvidenceKind, data: bytes, content_type: str, at: Any = None) -> None:
        files.append(
            Stored(name, kind, store.put(data), content_type, len(data), at.isoformat() if at else None)
        )

    for label, frame in zip(("before", "at"), event.frames, strict=False):
        put(f"frame-{label}.png", EvidenceKind.frame, _png(frame.image), "image/png", frame.captured_at)
        overlay = draw_event_overlay(config, frame.image, frame.box, _caption(event, config, frame, label))
        put(f"overlay-{label}.jpg", EvidenceKind.overlay, _jpeg(overlay), "image/jpeg", frame.captured_at)
    if event.plate_crop is not None and event.plate_crop.size:
        put("plate.png", EvidenceKind.plate_crop, _png(event.plate_crop), "image/png")
    clip = _clip(event.clip, "mp4v", ".mp4", CLIP_MAX_WIDTH)
    if clip is not None:
        put("clip.mp4", EvidenceKind.clip, clip, "video/mp4", event.clip[0].captured_at)
    for rider in event.riders:  # helmet findings: each rider's best look, as kept (JPEG), and the head
        look = rider.look
        put(
            f"rider-{rider.position}.jpg", EvidenceKind.rider_frame, look.jpeg, "image/jpeg", look.captured_at
        )
        head = _png(look.head_crop())
        put(f"head-{rider.position}.png", EvidenceKind.head_crop, head, "image/png", look.captured_at)
    return files


RIDER_FILE = re.compile(r"^(rider|head)-(\d+)\.(jpg|png)$")


def rider_files(session: Session, store: BlobStore, candidate_id: uuid.UUID) -> dict[int, dict[str, str]]:
    """Per rider position, the SHA-256 of its best look ("rider") and enlarged head ("head"), from the
    candidate's manifest (evidence records carry no file names)."""
    manifest_sha = session.scalar(
        select(EvidenceItem.sha256).where(
            EvidenceItem.candidate_id == candidate_id, EvidenceItem.kind == EvidenceKind.manifest
        )
    )
    if manifest_sha is None:
        return {}
    out: dict[int, dict[str, str]] = {}
    for entry in json.loads(store.get(manifest_sha)).get("files", []):
        match = RIDER_FILE.match(entry.get("name", ""))
        if match:
            out.setdefault(int(match[2]), {})[match[1]] = entry["sha256"]
    return out


def store_derived(store: BlobStore, event: ViolationEvent, files: list[Stored]) -> list[dict[str, Any]]:
    """Copies made from the originals for viewing, written once with the package and listed in its
    manifest under ``derived`` (the originals stay the evidence): a VP8/WebM clip that browsers play."""
    if not any(f.name == "clip.mp4" for f in files):
        return []
    playable = _clip(event.clip, "VP80", ".webm", PLAYABLE_MAX_WIDTH)
    if not playable:
        return []
    sha = store.put(playable)
    return [
        {
            "name": "clip.webm",
            "from": "clip.mp4",
            "sha256": sha,
            "content_type": "video/webm",
            "size": len(playable),
        }
    ]


def playable_clip(session: Session, store: BlobStore, clip: EvidenceItem) -> str | None:
    """The SHA-256 of a clip's browser-playable copy, from its candidate's manifest (None if the
    package has none: packages made before copies were written, or a machine without a VP8 encoder)."""
    manifest_sha = session.scalar(
        select(EvidenceItem.sha256).where(
            EvidenceItem.candidate_id == clip.candidate_id, EvidenceItem.kind == EvidenceKind.manifest
        )
    )
    if manifest_sha is None:
        return None
    manifest = json.loads(store.get(manifest_sha))
    names = {f["sha256"]: f["name"] for f in manifest.get("files", [])}
    for entry in manifest.get("derived", []):
        if entry.get("from") == names.get(clip.sha256) and entry.get("content_type") == "video/webm":
            return str(entry["sha256"])
    return None


def manifest_for(
    candidate_id: uuid.UUID,
    dedup_key: str,
    event: ViolationEvent,
    config: CameraConfig,
    config_sha256: str,
    files: list[Stored],
    run_id: uuid.UUID | None,
    derived: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    plate = event.plate
    return {
        "manifest_version": MANIFEST_VERSION,
        "candidate_id": str(candidate_id),
        "dedup_key": dedup_key,
        "camera": {
            "id": config.camera.id,
            "config_version": config.camera.version,
            "config_sha256": config_sha256,
            "location": config.camera.location.model_dump(),
        },
        "violation": {
            "code": event.code,
            "at": event.at.isoformat(),
            "at_local": to_local(event.at).isoformat(),
            "measured": event.finding.measured,
            "signal": event.signal,
        },
        "vehicle": {
            "class": event.vehicle_class,
            "colour": event.vehicle_colour,
            "plate": None
            if plate is None
            else {
                "text": plate.best.text,
                "compact": plate.best.compact,
                "confidence": round(plate.best.confidence, 4),
                "char_conf": [round(c, 4) for c in plate.best.char_conf],
                "votes": plate.votes,
                "reads": plate.total_reads,
                "alternatives": [
                    {"compact": a.compact, "text": a.text, "votes": a.votes} for a in plate.alternatives
                ],
            },
        },
        "riders": [
            {
                "rider": r.position,
                "helmet": r.helmet,
                "frame": r.look.frame,
                "captured_at": r.look.captured_at.isoformat(),
                "confidence": r.look.confidence,
                "head_box_in_crop": [round(v, 1) for v in r.look.head],
                "crop_origin": list(r.look.crop_origin),
            }
            for r in event.riders
        ],
        "models": event.provenance,
        "run_id": str(run_id) if run_id else None,
        "files": [f.entry() for f in files],
        "derived": derived or [],
    }


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1, default=str).encode()


def package(
    session: Session,
    store: BlobStore,
    candidate: ViolationCandidate,
    camera: Camera,
    event: ViolationEvent,
    config: CameraConfig,
    config_sha256: str,
    run_id: uuid.UUID | None,
) -> str:
    """Store the files and manifest, record them on the candidate, chain the manifest; its SHA-256."""
    files = store_files(store, event, config)
    derived = store_derived(store, event, files)
    manifest = canonical(
        manifest_for(candidate.id, candidate.dedup_key, event, config, config_sha256, files, run_id, derived)
    )
    manifest_sha = store.put(manifest)
    for f in files:
        at = event.at if f.captured_at is None else None
        session.add(
            EvidenceItem(
                candidate_id=candidate.id,
                kind=f.kind,
                sha256=f.sha256,
                content_type=f.content_type,
                size_bytes=f.size,
                captured_at=_parse(f.captured_at) or at,
            )
        )
    session.add(
        EvidenceItem(
            candidate_id=candidate.id,
            kind=EvidenceKind.manifest,
            sha256=manifest_sha,
            content_type="application/json",
            size_bytes=len(manifest),
            captured_at=None,
        )
    )
    append_link(session, camera, candidate.id, manifest_sha)
    return manifest_sha


def _parse(value: str | None) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


# -- verification


def verify_candidate(session: Session, store: BlobStore, candidate: ViolationCandidate) -> list[str]:
    """Problems with one candidate's evidence (empty when every file matches its manifest)."""
    problems: list[str] = []
    items = session.scalars(select(EvidenceItem).where(EvidenceItem.candidate_id == candidate.id)).all()
    manifests = [i for i in items if i.kind is EvidenceKind.manifest]
    if len(manifests) != 1:
        return [f"candidate {candidate.id}: expected one manifest, found {len(manifests)}"]
    try:
        manifest = json.loads(store.get(manifests[0].sha256))
    except (EvidenceError, ValueError) as exc:
        return [f"candidate {candidate.id}: manifest: {exc}"]
    if manifest.get("candidate_id") != str(candidate.id) or manifest.get("dedup_key") != candidate.dedup_key:
        problems.append(f"candidate {candidate.id}: manifest belongs to another candidate")
    listed = {f["sha256"] for f in manifest.get("files", [])}
    recorded = {i.sha256 for i in items if i.kind is not EvidenceKind.manifest}
    if listed != recorded:
        problems.append(f"candidate {candidate.id}: evidence records differ from the manifest")
    for entry in manifest.get("files", []) + manifest.get("derived", []):
        try:
            store.get(entry["sha256"])
        except EvidenceError as exc:
            problems.append(f"candidate {candidate.id}: {entry['name']}: {exc}")
    link = session.scalars(select(EvidenceLink).where(EvidenceLink.candidate_id == candidate.id)).first()
    if link is None or link.manifest_sha256 != manifests[0].sha256:
        problems.append(f"candidate {candidate.id}: manifest is not the one in the camera's chain")
    return problems
