"""A footage run without a terminal: the part of `tvp process` / `tvp replay` that the footage job
(penalties/runs/tasks.py) runs on a worker too. The CLI adds its progress bar through ``on_frame``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from detection.camera import ProcessorOptions
from detection.pipeline import PlatePipeline, shared_pipeline
from detection.sources import Frame, ImageFolderSource, VideoFileSource, prefetch
from detection.span import Span
from penalties.cameras.config import LoadedCamera
from penalties.runs.models import RunKind
from penalties.runs.runner import Runner, RunProgress, footage_sha256


class FootageMissing(FileNotFoundError):
    pass


def footage_source(
    footage: Path, camera_id: str, start: datetime | None, fps: float, stride: int, span: Span
) -> tuple[VideoFileSource | ImageFolderSource, int | None]:
    """The frames of a video file or image folder, and how many the run will see (None: unknown)."""
    import cv2

    if footage.is_dir():
        return ImageFolderSource(camera_id, footage, fps=fps, span=span), None
    if not footage.exists():
        raise FootageMissing(f"{footage} does not exist")
    cap = cv2.VideoCapture(str(footage))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    file_fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else 0.0
    cap.release()
    stop = span.frames(file_fps or fps)[1]
    if total and stop is not None:
        total = min(total, stop)
    return VideoFileSource(
        camera_id, footage, started_at=start, fallback_fps=fps, stride=stride, span=span
    ), total or None


@dataclass
class FootageRun:
    runner: Runner
    source: VideoFileSource | ImageFolderSource
    total: int | None  # frames, when the file says

    def consume(self, on_frame: Callable[[Frame], None] | None = None) -> RunProgress:
        """Every frame through the runner (decoded a little ahead in a thread); SourceError when the
        file turns out to be broken (the run is marked failed)."""
        return self.runner.consume(prefetch(self.source.frames()), on_frame=on_frame)


def start_footage_run(
    footage: Path,
    loaded: LoadedCamera,
    *,
    kind: RunKind,
    stride: int,
    motion_gate: bool,
    start: datetime | None,
    resume: bool,
    span: Span,
    pipeline: PlatePipeline | None = None,
    sha: str | None = None,
) -> FootageRun:
    """The run of ``footage`` with camera configuration ``loaded``: a new one, or the unfinished run of
    the same footage, configuration and span resumed from its checkpoint (``resume``). ``sha``: the
    footage's hash when the caller has it already. Raises FootageMissing, SignalFeedError."""
    config = loaded.config.camera
    source, total = footage_source(footage, config.id, start, config.fps, stride, span)
    if sha is None and footage.is_file():
        sha = footage_sha256(footage)
    runner = Runner(
        loaded,
        pipeline or shared_pipeline(),
        ProcessorOptions(stride=stride, motion_gate=motion_gate),
        kind=kind,
        source=str(footage),
        footage_sha256=sha,
        resume=resume,
        span=span.describe(),
    )
    if isinstance(source, VideoFileSource):
        runner.processor.origin = source.start_time()
    return FootageRun(runner, source, total)
