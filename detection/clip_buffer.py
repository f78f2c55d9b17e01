"""The last seconds of processed frames, kept for evidence clips, JPEG-encoded.

A raw 1080p frame is 6 MiB: the seconds an event's clip may reach back (clip before + track lost +
clip after, ≈ 7 s) held raw are over 1 GiB per camera at 25 frames/s. Encoded at quality 95 a frame
is well under 1 MiB, and it is decoded only when an event takes its clip. Encoding runs in a thread
(OpenCV releases the GIL), at most a few frames behind the loop, so it overlaps detection.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import cv2
import numpy as np

AHEAD = 2  # frames waiting to be encoded (each holds its 6 MiB raw image) before the loop waits


class ClipBufferError(RuntimeError):
    pass


@dataclass(frozen=True)
class Kept:
    index: int
    captured_at: datetime
    _data: Future[bytes] | np.ndarray

    @property
    def data(self) -> bytes | np.ndarray:
        """The JPEG bytes (a raw image when the buffer keeps frames raw)."""
        return self._data.result() if isinstance(self._data, Future) else self._data

    @property
    def nbytes(self) -> int:
        data = self.data
        return data.nbytes if isinstance(data, np.ndarray) else len(data)

    def image(self) -> np.ndarray:
        data = self.data
        if isinstance(data, np.ndarray):
            return data
        return decode_jpeg(data, self.index)


class ClipBuffer:
    """Frames in capture order, the oldest dropped once older than ``keep_s`` before the newest.
    ``quality`` None keeps raw images (exact, and a GiB per camera at 1080p)."""

    def __init__(self, keep_s: float, quality: int | None = 95):
        self.keep = timedelta(seconds=keep_s)
        self.quality = quality
        self._frames: deque[Kept] = deque()
        self._encoder = ThreadPoolExecutor(1, thread_name_prefix="clip-jpeg") if quality else None
        self._waiting: deque[Future[bytes]] = deque()

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._frames)

    @property
    def oldest(self) -> Kept | None:
        return self._frames[0] if self._frames else None

    @property
    def nbytes(self) -> int:
        return sum(f.nbytes for f in self._frames)

    def add(self, index: int, captured_at: datetime, image: np.ndarray) -> None:
        self._frames.append(Kept(index, captured_at, self.encode(image)))
        while captured_at - self._frames[0].captured_at > self.keep:
            self._frames.popleft()

    def encode(self, image: np.ndarray) -> Future[bytes] | np.ndarray:
        """What the buffer keeps of an image (also for frames kept outside it, so that a resumed run
        gives the same evidence as one never stopped)."""
        if self._encoder is None:
            return image
        while len(self._waiting) >= AHEAD:
            self._waiting.popleft().result()
        future = self._encoder.submit(_jpeg, image, self.quality or 95)
        self._waiting.append(future)
        return future

    def between(self, start: datetime, end: datetime) -> list[Kept]:
        return [f for f in self._frames if start <= f.captured_at <= end]


def decode_jpeg(data: bytes, index: int) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ClipBufferError(f"frame {index}: could not decode the kept JPEG")
    return image


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ClipBufferError("could not encode a frame as JPEG")
    return data.tobytes()
