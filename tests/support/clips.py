"""Real clips through the camera loop: a span of frames fed to a processor, ended tracks recorded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from detection.camera import CameraProcessor, ProcessorOptions
from detection.camera_config import CameraConfig
from detection.pipeline import PlatePipeline
from detection.sources import VideoFileSource


class RecordingProcessor(CameraProcessor):
    """A camera processor that keeps every ended track (``ended``) for the test to look at."""

    def __init__(self, config: CameraConfig, options: ProcessorOptions | None = None) -> None:
        super().__init__(config, PlatePipeline(), options or ProcessorOptions())
        self.ended: list[Any] = []

    def _end(self, live: Any) -> None:
        self.ended.append(live.track)
        super()._end(live)


def feed_span(
    processor: CameraProcessor, video: Path, frames: tuple[int, int], started_at: datetime
) -> list[Any]:
    """Frames ``frames[0]``…``frames[1]`` of the video fed to the processor, then flushed: its events."""
    events: list[Any] = []
    for frame in VideoFileSource(processor.config.camera.id, video, started_at=started_at).frames():
        if frame.index > frames[1]:
            break
        if frame.index >= frames[0]:
            events += processor.feed(frame)
    return events + processor.flush()
