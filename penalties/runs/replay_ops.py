"""Replays started by ops from the browser: footage from the footage folder (or uploaded into it), a
stored camera configuration version, the job engine to run it, and promotion of what it found.

Footage is only ever a file inside ``Settings.resolved_footage_dir``: a name from the form is resolved
there and refused if it leads anywhere else. Uploads are written there (``uploads/``) under their
content hash, after the size limit and a decodable-video check.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.errors import AppError, Conflict
from core.jobs import enqueue
from detection.sources import file_start_time
from penalties.cameras.config import LoadedCamera, camera_from_text
from penalties.cameras.models import CameraConfigVersion
from penalties.cameras.service import get_camera
from penalties.runs.events import run_events
from penalties.runs.models import ProcessingRun, RunKind, RunStatus
from penalties.runs.replay import RunDiff, diff_events
from penalties.runs.replays import ReplayError, start_segmented_replay

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov")
PROMOTE_TASK = "penalties.replay_promote"
MAX_SEGMENTS = 16


class FootageNotFound(AppError):
    """No such footage in the footage folder."""

    status_code = 404


def footage_root() -> Path:
    return get_settings().resolved_footage_dir.resolve()


def list_footage() -> list[str]:
    """Video files in the footage folder, as names relative to it."""
    root = footage_root()
    if not root.is_dir():
        return []
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
    return sorted(str(p.relative_to(root)) for p in found)


def resolve_footage(name: str) -> Path:
    """A name from the form → a video file inside the footage folder, or a clear refusal."""
    root = footage_root()
    if not name or "\x00" in name or Path(name).is_absolute():
        raise ReplayError("choose footage from the footage folder (a name inside it, not a server path)")
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise ReplayError(f"{name!r} is outside the footage folder")
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise ReplayError(f"{name!r} is not a video file ({', '.join(VIDEO_SUFFIXES)})")
    if not path.is_file():
        raise FootageNotFound(f"no footage {name!r} in the footage folder")
    return path


def count_frames(path: Path) -> int:
    """Frames of a decodable video; ReplayError for anything else."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        ok = cap.isOpened() and cap.read()[0]
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if ok else 0
    finally:
        cap.release()
    if not ok or total < 1:
        raise ReplayError(f"{path.name} is not a readable video (corrupt or unsupported container)")
    return total


def store_upload(filename: str, stream: IO[bytes]) -> str:
    """Save an uploaded video into the footage folder; returns its name there."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ReplayError(f"the upload must be a video file ({', '.join(VIDEO_SUFFIXES)}), not {filename!r}")
    limit = get_settings().footage_upload_max_bytes
    folder = footage_root() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, temp = tempfile.mkstemp(dir=folder, suffix=suffix + ".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise ReplayError(f"the upload is over the {limit // 1024**2} MiB limit for footage")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ReplayError("the uploaded file is empty")
        count_frames(Path(temp))
        final = folder / f"{digest.hexdigest()[:16]}{suffix}"
        shutil.move(temp, final)
    finally:
        Path(temp).unlink(missing_ok=True)
    return str(final.relative_to(footage_root()))


def camera_versions(session: Session, code: str) -> Sequence[CameraConfigVersion]:
    camera = get_camera(session, code)
    return session.scalars(
        select(CameraConfigVersion)
        .where(CameraConfigVersion.camera_id == camera.id)
        .order_by(CameraConfigVersion.version.desc())
    ).all()


def stored_version(session: Session, code: str, version: int) -> LoadedCamera:
    found = [v for v in camera_versions(session, code) if v.version == version]
    if not found:
        raise ReplayError(f"camera {code} has no configuration version {version}")
    return camera_from_text(found[0].text, source=f"camera {code} v{version}")


def start_ops_replay(
    session: Session,
    *,
    footage: str,
    camera_code: str,
    version: int,
    segments: int,
    stride: int,
    actor: str,
) -> ProcessingRun:
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ReplayError(f"segments: 1 to {MAX_SEGMENTS}")
    if not 1 <= stride <= 10:
        raise ReplayError("stride: 1 to 10")
    loaded = stored_version(session, camera_code, version)
    path = resolve_footage(footage)
    from penalties.runs.runner import footage_sha256

    replay = start_segmented_replay(
        session,
        loaded,
        path,
        total_frames=count_frames(path),
        started_at=file_start_time(path),
        segments=segments,
        stride=stride,
        footage_sha256=footage_sha256(path),
    )
    replay.options = {**replay.options, "started_by": actor, "footage_name": footage}
    audit.record(
        session,
        actor=actor,
        action="runs.replay_started",
        object_type="processing_run",
        object_id=replay.id,
        detail={"footage": footage, "camera": camera_code, "version": version, "segments": segments},
    )
    return replay


def ops_replays(session: Session, limit: int = 50) -> list[ProcessingRun]:
    """Replays run in segments (from the browser or `tvp replay --segments`), newest first."""
    rows = session.scalars(
        select(ProcessingRun)
        .where(ProcessingRun.kind == RunKind.replay)
        .order_by(ProcessingRun.created_at.desc())
        .limit(limit * 8)
    )
    return [r for r in rows if "segments" in (r.options or {})][:limit]


def get_replay(session: Session, replay_id: uuid.UUID) -> ProcessingRun:
    replay = session.get(ProcessingRun, replay_id)
    if replay is None or "segments" not in (replay.options or {}):
        raise FootageNotFound(f"no replay {replay_id}")
    return replay


def earlier_runs(session: Session, replay: ProcessingRun) -> list[ProcessingRun]:
    """Finished runs of the same footage before this replay (what it can be compared with)."""
    if replay.footage_sha256 is None:
        return []
    rows = session.scalars(
        select(ProcessingRun)
        .where(
            ProcessingRun.footage_sha256 == replay.footage_sha256,
            ProcessingRun.id != replay.id,
            ProcessingRun.status == RunStatus.completed,
            ProcessingRun.created_at <= replay.created_at,
        )
        .order_by(ProcessingRun.created_at.desc())
    )
    return [r for r in rows if "segment" not in (r.options or {})]


def replay_diff(session: Session, replay: ProcessingRun, against: uuid.UUID) -> RunDiff:
    if against not in {r.id for r in earlier_runs(session, replay)}:
        raise ReplayError(f"run {against} is not an earlier finished run of the same footage")
    return diff_events(run_events(session, against), run_events(session, replay.id))


def promote(session: Session, replay: ProcessingRun, *, actor: str) -> dict[str, Any]:
    """Queue the replay's footage and configuration through the pipeline as `tvp process` does: its
    events become candidates for review, each one once (an existing candidate is recognised by its
    dedup key or merged, so only the new ones appear)."""
    if replay.status is not RunStatus.completed:
        raise Conflict("the replay has not finished")
    if replay.options.get("promoted_job"):
        raise Conflict("this replay's candidates were already sent to review")
    from penalties.runs import replay_tasks  # noqa: F401  (registers the task)

    job = enqueue(session, PROMOTE_TASK, {"replay_id": str(replay.id)}, key=f"replay-promote:{replay.id}")
    replay.options = {**replay.options, "promoted_job": str(job.id), "promoted_by": actor}
    events = len(run_events(session, replay.id))
    audit.record(
        session,
        actor=actor,
        action="runs.replay_promoted",
        object_type="processing_run",
        object_id=replay.id,
        detail={"events": events, "job": str(job.id)},
    )
    return {"job": str(job.id), "events": events}


def promote_run(replay_id: uuid.UUID, check: Callable[[], None] = lambda: None) -> uuid.UUID:
    """The promotion job: the replay's footage through the pipeline as a process run (resumable)."""
    from core.db import session_scope
    from detection.camera import ProcessorOptions
    from detection.pipeline import shared_pipeline
    from penalties.runs.replays import segment_source
    from penalties.runs.runner import Runner

    with session_scope(writes=False) as session:
        replay = session.get_one(ProcessingRun, replay_id)
        opts, sha = dict(replay.options), replay.footage_sha256
    loaded = camera_from_text(opts["camera_text"], source=f"replay {replay_id}")
    started_at = datetime.fromisoformat(opts["started_at"])
    runner = Runner(
        loaded,
        shared_pipeline(),
        ProcessorOptions(stride=opts["stride"], motion_gate=opts["motion_gate"]),
        kind=RunKind.process,
        source=opts["footage"],
        footage_sha256=sha,
        resume=True,
    )
    runner.processor.origin = started_at
    source = segment_source(
        loaded.config.camera.id, Path(opts["footage"]), started_at, loaded.config.camera.fps, opts["stride"]
    )
    runner.consume(source.frames(), on_frame=lambda _frame: check())
    return runner.run_id
