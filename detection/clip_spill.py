"""The clip frames of pending events, on disk instead of in memory.

An event waits for its vehicle's track to end (a queue at a red light: minutes), and its clip (5 s of
JPEG frames, ≈65 MB at 1080p) would stay in memory all that time, one clip per pending event. Once the
clip's frames are known they are appended to an anonymous temporary file in the data dir's staging
area (no name: the file is gone when the event and its frames are let go, or when the process ends,
even killed) and read back only when the evidence is written. The bytes are the clip buffer's JPEG
bytes unchanged, so the evidence is the same as from memory.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import numpy as np

from detection.clip_buffer import ClipBufferError, Kept, decode_jpeg

logger = logging.getLogger(__name__)


def staging_dir() -> Path:
    from core.config import get_settings

    return get_settings().data_dir / "staging"


class ClipSpill:
    """One pending event's spill file: frames appended, read back by offset."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        # Closed (and so deleted) when the last frame in it is let go.
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=folder, prefix="clip-")  # noqa: SIM115
        self._end = 0

    def append(self, data: bytes) -> tuple[int, int]:
        offset = self._end
        os.pwrite(self._file.fileno(), data, offset)
        self._end += len(data)
        return offset, len(data)

    def read(self, offset: int, size: int) -> bytes:
        data = os.pread(self._file.fileno(), size, offset)
        if len(data) != size:
            raise ClipBufferError(f"spilled clip frame at {offset}: {len(data)} of {size} bytes read back")
        return data

    @property
    def nbytes(self) -> int:
        return self._end


@dataclass(frozen=True)
class Spilled:
    """A clip buffer frame (Kept) whose JPEG bytes are in a spill file."""

    index: int
    captured_at: datetime
    spill: ClipSpill  # the file lives as long as a frame in it does
    offset: int
    size: int

    @property
    def data(self) -> bytes:
        return self.spill.read(self.offset, self.size)

    @property
    def nbytes(self) -> int:
        return 0  # nothing in memory

    def image(self) -> np.ndarray:
        return decode_jpeg(self.data, self.index)


def spill(frames: list[Kept], folder: Path) -> dict[int, Kept | Spilled]:
    """The frames by index, moved to one new spill file. Raw frames (a buffer without JPEG) and a
    folder that cannot be written stay in memory: slower to let go of, never lost."""
    kept: dict[int, Kept | Spilled] = {f.index: f for f in frames}
    if not frames or any(isinstance(f.data, np.ndarray) for f in frames):
        return kept
    try:
        file = ClipSpill(folder)
        for f in frames:
            data = f.data
            assert isinstance(data, bytes)
            offset, size = file.append(data)
            kept[f.index] = Spilled(f.index, f.captured_at, file, offset, size)
    except OSError:
        logger.warning("clip frames kept in memory: cannot write to %s", folder, exc_info=True)
        return {f.index: f for f in frames}
    return kept
