"""`tvp demo --footage CLIP --camera YAML` (or `--footage-dir`): real footage into the demo's review queue.

Every clip and camera file is checked before the demo writes anything (migration, seed, runs), so a
missing or corrupt file or a bad YAML stops it with nothing half-written. Each clip then goes through
`tvp process` (the real pipeline, progress bar, resumable run), stamped as if it ended just now so its
candidates are fresh in the queue; a clip already processed with the same camera file and span is
skipped, so running the demo again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import cv2

from core.console import err, fail, out
from penalties.cameras.config import LoadedCamera

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov")
CAMERA_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class DemoClip:
    footage: Path
    camera: LoadedCamera
    duration_s: float


def _check_video(footage: Path, camera: LoadedCamera) -> float:
    """The clip's length in seconds, once it is known to decode at the camera's resolution."""
    if not footage.is_file():
        raise fail(f"footage {footage} does not exist (or is not a file)")
    cap = cv2.VideoCapture(str(footage))
    try:
        ok, image = cap.read() if cap.isOpened() else (False, None)
        if not ok or image is None:
            raise fail(f"footage {footage} is not a readable video (corrupt or unsupported container)")
        fps = cap.get(cv2.CAP_PROP_FPS) or camera.config.camera.fps
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()
    height, width = image.shape[:2]
    expected = tuple(int(v) for v in camera.config.camera.resolution)
    if (width, height) != expected:
        raise fail(
            f"footage {footage} is {width}×{height} but camera {camera.config.camera.id} "
            f"({camera.path}) says resolution {expected[0]}×{expected[1]}"
        )
    return max(frames, 1) / fps


def _load_camera(path: Path) -> LoadedCamera:
    from detection.camera_config import CameraConfigError
    from penalties.cameras.config import load_camera

    if not path.is_file():
        raise fail(f"camera file {path} does not exist (or is not a file)")
    try:
        return load_camera(path)
    except CameraConfigError as exc:
        raise fail(str(exc)) from exc


def pairs_in(folder: Path) -> list[tuple[Path, Path]]:
    """Each video in ``folder`` with the camera YAML of the same name (clip.mp4 + clip.yaml)."""
    if not folder.is_dir():
        raise fail(f"--footage-dir {folder} is not a folder")
    videos = sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise fail(f"--footage-dir {folder} holds no video ({', '.join(VIDEO_SUFFIXES)})")
    pairs = []
    for video in videos:
        yaml = next((c for s in CAMERA_SUFFIXES if (c := video.with_suffix(s)).is_file()), None)
        if yaml is None:
            raise fail(f"{video.name} in {folder} has no camera file beside it ({video.stem}.yaml)")
        pairs.append((video, yaml))
    return pairs


def check_clips(footage: list[Path], cameras: list[Path], footage_dir: Path | None) -> list[DemoClip]:
    if len(footage) != len(cameras):
        raise fail(
            f"give one --camera YAML for each --footage clip ({len(footage)} clips, {len(cameras)} cameras)"
        )
    pairs = list(zip(footage, cameras, strict=True)) + (pairs_in(footage_dir) if footage_dir else [])
    clips = []
    for video, yaml in pairs:
        camera = _load_camera(yaml)
        clips.append(DemoClip(video, camera, _check_video(video, camera)))
    return clips


def _already_processed(clip: DemoClip, span: list[str | None]) -> Any:
    from sqlalchemy import select

    from core.db import session_scope
    from penalties.runs.models import ProcessingRun, RunKind, RunStatus
    from penalties.runs.runner import footage_sha256

    sha = footage_sha256(clip.footage)
    with session_scope(writes=False) as session:
        runs = session.scalars(
            select(ProcessingRun).where(
                ProcessingRun.kind == RunKind.process,
                ProcessingRun.footage_sha256 == sha,
                ProcessingRun.config_sha256 == clip.camera.sha256,
                ProcessingRun.status == RunStatus.completed,
            )
        )
        return next((r for r in runs if (r.options or {}).get("span") == span), None)


def process_clips(clips: list[DemoClip], span: Any) -> int:
    """Each clip through the real pipeline into the review queue; the number of new candidates."""
    from core.time import utc_now
    from penalties.runs.cli import run_footage

    made = 0
    for clip in clips:
        camera_id = clip.camera.config.camera.id
        done = _already_processed(clip, span.describe())
        if done is not None:
            out.print(f"{clip.footage.name} ({camera_id}): already in the queue from run {done.id}")
            continue
        err.print(f"[bold]{clip.footage.name}[/] → camera {camera_id}")
        runner, result, elapsed = run_footage(
            clip.footage,
            str(clip.camera.path),
            kind="process",
            stride=1,
            motion_gate=False,
            start=utc_now() - timedelta(seconds=clip.duration_s),
            resume=True,
            span=span,
        )
        made += result.candidates
        out.print(
            f"{clip.footage.name} ({camera_id}): {result.frames} frames in {elapsed:.1f} s, "
            f"{result.candidates} new candidates (run {runner.run_id})"
        )
    return made


def demo_footage(
    footage: list[Path],
    cameras: list[Path],
    footage_dir: Path | None,
    span_from: str | None,
    span_to: str | None,
) -> Callable[[], int]:
    """Check every clip and camera file now; the returned call (after migrating and seeding) processes
    them and returns how many candidates it added."""
    from penalties.runs.cli import parse_span

    span = parse_span(span_from, span_to)
    clips = check_clips(footage, cameras, footage_dir)
    return lambda: process_clips(clips, span)
