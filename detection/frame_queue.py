"""Backpressure between a live camera's reader and its processor: a bounded frame queue.

A camera does not wait for us: when detection (or a database write of an event) falls behind, the
reader keeps reading and the queue drops its OLDEST frames, so the processor always works on the
newest picture and memory stays bounded (a 1080p frame is 6 MiB). Drops are counted per camera
(``tvp_frames_dropped_total``). Only frames are dropped: events are written by the processor in line,
so a slow write holds up frames, never an event. A file, which can wait, blocks instead of dropping.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator

from core import metrics
from detection.sources import Frame


class FrameQueue:
    def __init__(self, camera_id: str, capacity: int = 8, *, drop_oldest: bool = True):
        if capacity < 1:
            raise ValueError("a frame queue holds at least one frame")
        self.camera_id = camera_id
        self.capacity = capacity
        self.drop_oldest = drop_oldest
        self.dropped = 0
        self._frames: deque[Frame] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._error: BaseException | None = None

    def put(self, frame: Frame) -> None:
        """Add the newest frame: when full, drop the oldest (or, with ``drop_oldest`` off, wait)."""
        with self._cond:
            while not self.drop_oldest and len(self._frames) >= self.capacity and not self._closed:
                self._cond.wait(0.1)
            if self._closed:
                return
            if len(self._frames) >= self.capacity:
                self._frames.popleft()
                self.dropped += 1
                metrics.FRAMES_DROPPED.labels(self.camera_id).inc()
            self._frames.append(frame)
            self._cond.notify_all()

    def close(self, error: BaseException | None = None) -> None:
        """No more frames: the consumer takes what is queued, then ends (raising ``error`` if given)."""
        with self._cond:
            self._closed = True
            self._error = self._error or error
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._frames)

    def frames(self) -> Iterator[Frame]:
        while True:
            with self._cond:
                while not self._frames and not self._closed:
                    self._cond.wait()
                if self._frames:
                    frame = self._frames.popleft()
                    self._cond.notify_all()
                elif self._error is not None:
                    raise self._error
                else:
                    return
            yield frame

    def fill_from(self, frames: Iterable[Frame], stopping: threading.Event) -> threading.Thread:
        """Read ``frames`` into the queue in a thread until they end or ``stopping`` is set; the
        source's error, if any, reaches the consumer after the frames read before it."""

        def read() -> None:
            try:
                for frame in frames:
                    if stopping.is_set():
                        break
                    self.put(frame)
            except BaseException as exc:
                self.close(exc)
            else:
                self.close()

        thread = threading.Thread(target=read, name=f"frames-{self.camera_id}", daemon=True)
        thread.start()
        return thread
