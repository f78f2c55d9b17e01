"""Run a span of real footage through the camera loop with helmets on (shared by the real-clip test and
bench/helmets_camera.py): the events, what the helmet step saw, and its cost.

``scale`` enlarges every frame (and the camera's geometry with it) so that a 640×480 clip is measured
as the same scene at 1080 lines (scale 2.25 → 1440×1080): the helmet detector's cost depends on the
motorbikes in view and the crops' size, not on the frame's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2

from detection.camera import CameraProcessor, ProcessorOptions, ViolationEvent
from detection.camera_config import CameraConfig, HelmetsConfig
from detection.camera_helmets import RiderFinder
from detection.pipeline import PlatePipeline
from detection.sources import Frame, VideoFileSource

T0 = datetime(2022, 9, 25, 9, 0, tzinfo=UTC)


@dataclass
class ClipRun:
    events: list[ViolationEvent]
    processed: int
    seconds: float  # wall time of the whole loop
    helmet_frames: int  # frames the helmet detector ran on
    helmet_ms: float  # its total time
    crops: int  # motorbike crops it looked at
    seen: dict[str, int]  # the ended tracks' rider verdicts
    helmet_max_ms: float = 0.0  # its slowest frame
    helmet_frame_ms: list[float] = field(default_factory=list)  # its time in each frame it ran on

    @property
    def helmet_ms_per_processed_frame(self) -> float:
        return self.helmet_ms / self.processed if self.processed else 0.0


def scaled(config: CameraConfig, scale: float) -> CameraConfig:
    """The camera at ``scale`` times its resolution, with no rule geometry (helmets need none)."""
    w, h = config.camera.resolution
    camera = config.camera.model_copy(update={"resolution": (round(w * scale), round(h * scale))})
    return CameraConfig(camera=camera, helmets=config.helmets)


def frames(config: CameraConfig, video: Path, span: tuple[int, int], scale: float = 1.0) -> Iterator[Frame]:
    for frame in VideoFileSource(config.camera.id, video, started_at=T0).frames():
        if frame.index > span[1]:
            break
        if frame.index >= span[0]:
            if scale != 1.0:
                size = (round(frame.image.shape[1] * scale), round(frame.image.shape[0] * scale))
                frame = Frame(frame.camera_id, frame.index, frame.captured_at, cv2.resize(frame.image, size))
            yield frame


def run_clip(
    config: CameraConfig,
    video: Path,
    span: tuple[int, int],
    *,
    every_n: int | None = 1,
    input_budget: float = 1.1,
    stride: int = 1,
    scale: float = 1.0,
    pipeline: PlatePipeline | None = None,
    finder: RiderFinder | None = None,
) -> ClipRun:
    """``every_n`` None: helmets off (the baseline); ``input_budget`` as in the camera file."""
    on = every_n is not None
    helmets = HelmetsConfig(enabled=on, every_n_frames=every_n or 1, input_budget=input_budget)
    config = config.model_copy(update={"helmets": helmets})
    if scale != 1.0:
        config = scaled(config, scale)
    processor = CameraProcessor(
        config, pipeline or PlatePipeline(), ProcessorOptions(stride=stride), helmet_finder=finder
    )
    started = time.perf_counter()
    events: list[ViolationEvent] = []
    step: Any = processor.helmets
    per_frame: list[float] = []
    for frame in frames(config, video, span, scale):
        ran = step.frames_run if step else 0
        events += processor.feed(frame)
        if step and step.frames_run > ran:
            per_frame.append(step.last_ms)
    events += processor.flush()
    return ClipRun(
        events,
        processor.frames_processed,
        time.perf_counter() - started,
        step.frames_run if step else 0,
        step.total_ms if step else 0.0,
        step.crops if step else 0,
        dict(step.seen) if step else {},
        step.max_ms if step else 0.0,
        per_frame,
    )
