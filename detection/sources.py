"""Frame sources: video files, folders of timestamped images, and live RTSP/HTTP streams.

Every frame carries its camera id and a timezone-aware UTC capture time: from the container's clock
(plus the file's start time), from the image file name, or from the stream's arrival time.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from core import metrics
from core.backends import Backend
from detection.images import IMAGE_SUFFIXES, ImageError, load_image
from detection.span import Span

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    camera_id: str
    index: int
    captured_at: datetime  # timezone-aware UTC
    image: np.ndarray


class SourceError(ValueError):
    """The source cannot be opened or decoded."""


class FrameSource(Backend, ABC):
    registry: ClassVar[dict[str, type[Any]]] = {}

    def __init__(self, camera_id: str):
        self.camera_id = camera_id

    @abstractmethod
    def frames(self) -> Iterator[Frame]: ...


def file_start_time(path: Path) -> datetime:
    """When a recording started, if nothing better is known: its modification time (UTC)."""
    return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)


class VideoFileSource(FrameSource):
    """mp4 / avi / mkv through OpenCV; capture time = start time + the container's position."""

    name = "file"

    def __init__(
        self,
        camera_id: str,
        path: Path,
        *,
        started_at: datetime | None = None,
        fallback_fps: float = 25.0,
        stride: int = 1,
        span: Span | None = None,
    ):
        """``stride``: yield every n-th frame only; the others are demuxed but not converted to images.
        ``span``: only the frames from its start (included) to its end (excluded), by the file's rate."""
        super().__init__(camera_id)
        self.path = Path(path)
        self.stride = max(1, stride)
        self.span = span or Span()
        if started_at is not None and started_at.tzinfo is None:
            raise ValueError("started_at must be timezone-aware")
        self.started_at = started_at
        self.fallback_fps = fallback_fps

    def frames(self) -> Iterator[Frame]:
        if not self.path.exists():
            raise SourceError(f"{self.path} does not exist")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise SourceError(f"{self.path} is not a readable video (corrupt or unsupported container)")
        start = self.start_time()
        fps = cap.get(cv2.CAP_PROP_FPS) or self.fallback_fps
        first, stop = self.span.frames(fps)
        if stop is not None and stop <= first:
            cap.release()
            start_text, end_text = self.span.describe()
            raise SourceError(f"--to {end_text} is not after --from {start_text} at {fps:.3g} frames/s")
        index = 0
        try:
            while stop is None or index < stop:
                if index < first or index % self.stride:
                    if not cap.grab():
                        break
                    index += 1
                    continue
                ok, image = cap.read()
                if not ok:
                    break
                position_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
                offset = position_ms / 1000.0 if position_ms > 0 or index == 0 else index / fps
                yield Frame(self.camera_id, index, start + timedelta(seconds=offset), image)
                index += 1
        finally:
            cap.release()
        if index == 0:
            raise SourceError(f"{self.path} has no decodable frames")
        if index <= first:
            raise SourceError(f"{self.path} ends at frame {index}, before --from {self.span.describe()[0]}")

    def start_time(self) -> datetime:
        """When position 0 of the file was captured."""
        return self.started_at or file_start_time(self.path)


# 20261122T101500.123Z.jpg, 2026-11-22_10-15-00-123.jpg, 20261122_101500_123.png (UTC unless zoned)
_STAMP = re.compile(
    r"(?P<y>\d{4})-?(?P<mo>\d{2})-?(?P<d>\d{2})[T_ -]?(?P<h>\d{2})[-:]?(?P<mi>\d{2})[-:]?(?P<s>\d{2})"
    r"(?:[._-](?P<ms>\d{1,6}))?(?P<z>Z|[+-]\d{2}:?\d{2})?"
)


def stamp_from_name(name: str) -> datetime | None:
    m = _STAMP.search(name)
    if not m:
        return None
    micro = int((m["ms"] or "0").ljust(6, "0"))
    tz = UTC
    if m["z"] and m["z"] != "Z":
        sign = 1 if m["z"][0] == "+" else -1
        hours, minutes = int(m["z"][1:3]), int(m["z"][-2:])
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        value = datetime(
            int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]), micro, tz
        )
    except ValueError:
        return None
    return value.astimezone(UTC)


class ImageFolderSource(FrameSource):
    """A folder of images, in time order: the time from each file name, else mtime + index / fps."""

    name = "folder"

    def __init__(self, camera_id: str, folder: Path, *, fps: float = 25.0, span: Span | None = None):
        """``span``: frames by position in time order (f120), or times from the first image (12.5)."""
        super().__init__(camera_id)
        self.folder = Path(folder)
        self.fps = fps
        self.span = span or Span()

    def frames(self) -> Iterator[Frame]:
        if not self.folder.is_dir():
            raise SourceError(f"{self.folder} is not a folder")
        files = [p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        if not files:
            raise SourceError(f"{self.folder} contains no images")
        stamped = [(stamp_from_name(p.name), p) for p in files]
        if all(t is not None for t, _ in stamped):
            ordered = sorted(stamped, key=lambda tp: (tp[0], tp[1].name))
        else:
            base = min(file_start_time(p) for p in files)
            ordered = [(base + timedelta(seconds=i / self.fps), p) for i, p in enumerate(sorted(files))]
        first_at = ordered[0][0]
        assert first_at is not None
        start, end = self.span.start, self.span.end
        for index, (captured_at, path) in enumerate(ordered):
            assert captured_at is not None
            offset = (captured_at - first_at).total_seconds()
            if start is not None and not start.reached(index, offset):
                continue
            if end is not None and end.reached(index, offset):
                break
            try:
                image = load_image(path)
            except ImageError as exc:
                logger.warning("camera %s: skipping %s", self.camera_id, exc)
                continue
            yield Frame(self.camera_id, index, captured_at, image)


class StreamSource(FrameSource):
    """RTSP/HTTP stream: reconnects with exponential backoff and never raises while running.

    ``max_attempts`` (None = forever) bounds consecutive failed connections; ``stop`` ends the loop.
    """

    name = "stream"

    def __init__(
        self,
        camera_id: str,
        url: str,
        *,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_attempts: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        super().__init__(camera_id)
        self.url = url
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stopping = threading.Event()
        self.failures = 0

    def stop(self) -> None:
        self.stopping.set()

    def frames(self) -> Iterator[Frame]:
        index, backoff = 0, self.min_backoff
        while not self.stopping.is_set():
            cap = cv2.VideoCapture(self.url)
            if not cap.isOpened():
                cap.release()
                self.failures += 1
                if self.max_attempts is not None and self.failures >= self.max_attempts:
                    raise SourceError(f"stream {self.url} unreachable after {self.failures} attempts")
                logger.warning("camera %s: stream unreachable, retrying in %.1fs", self.camera_id, backoff)
                metrics.STREAM_DROPS.labels(self.camera_id).inc()
                self.stopping.wait(backoff)
                backoff = min(self.max_backoff, backoff * 2)
                continue
            self.failures, backoff = 0, self.min_backoff
            anchor: tuple[datetime, float] | None = None
            try:
                while not self.stopping.is_set():
                    ok, image = cap.read()
                    if not ok:
                        logger.warning("camera %s: stream dropped; reconnecting", self.camera_id)
                        metrics.STREAM_DROPS.labels(self.camera_id).inc()
                        break
                    # The stream's own presentation clock, anchored to the arrival of the first frame
                    # after (re)connecting, is free of network jitter; arrival time when it has none.
                    position = cap.get(cv2.CAP_PROP_POS_MSEC)
                    now = self.clock()
                    if anchor is None:
                        anchor = (now, position)
                    stamped = (
                        anchor[0] + timedelta(milliseconds=position - anchor[1]) if position > 0 else now
                    )
                    yield Frame(self.camera_id, index, stamped, image)
                    index += 1
            finally:
                cap.release()
            time.sleep(0)  # let a stop() from another thread land before reconnecting


def prefetch(frames: Iterator[Frame], depth: int = 2) -> Iterator[Frame]:
    """Decode ahead in a thread (OpenCV releases the GIL while decoding), so decoding overlaps detection.
    Errors from the source are raised in the consumer, in order. Each frame queued is 6 MiB at 1080p:
    two are enough to keep the loop fed (issue 12: a camera under 500 MB)."""
    import queue

    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        box.put(("frame", frame), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            box.put(("error", exc))

    thread = threading.Thread(target=work, name="frame-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
