"""A pending event's clip frames wait on disk: the same JPEG bytes back, nothing in memory, no file
left behind once the frames are let go."""

from __future__ import annotations

import gc
import logging
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.clip_buffer import ClipBuffer, Kept
from detection.clip_spill import Spilled, spill

T0 = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def _frame(i: int) -> np.ndarray:
    rng = np.random.default_rng(i)
    return cv2.resize(rng.integers(0, 255, (135, 240, 3), np.uint8), (1920, 1080))


def _buffer(frames: int, quality: int | None = 95) -> ClipBuffer:
    buffer = ClipBuffer(keep_s=7.0, quality=quality)
    for i in range(frames):
        buffer.add(i, T0 + timedelta(seconds=i / 25), _frame(i))
    return buffer


def test_spilled_frames_are_the_same_bytes_and_leave_memory(tmp_path: Path) -> None:
    kept = list(_buffer(12))
    moved = spill(kept, tmp_path / "staging")
    assert sorted(moved) == list(range(12))
    for original in kept:
        frame = moved[original.index]
        assert isinstance(frame, Spilled)
        assert (frame.index, frame.captured_at) == (original.index, original.captured_at)
        assert frame.data == original.data  # the evidence is made from the very same JPEG
        assert frame.nbytes == 0
        assert np.array_equal(frame.image(), original.image())
    # An anonymous file: no name in the staging folder, even while in use.
    assert list((tmp_path / "staging").iterdir()) == []


def test_the_spill_file_goes_with_its_last_frame(tmp_path: Path) -> None:
    moved = spill(list(_buffer(3)), tmp_path)
    frame = moved[1]
    assert isinstance(frame, Spilled)
    file = weakref.ref(frame.spill)
    del moved
    gc.collect()
    assert file() is not None and frame.image().shape == (1080, 1920, 3)  # one frame still holds it
    del frame
    gc.collect()
    assert file() is None


def test_raw_frames_and_an_unwritable_folder_stay_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    raw = list(_buffer(2, quality=None))
    assert all(isinstance(f, Kept) for f in spill(raw, tmp_path).values())

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    kept = list(_buffer(2))
    with caplog.at_level(logging.WARNING, logger="detection.clip_spill"):
        moved = spill(kept, blocked / "staging")
    assert [moved[f.index] for f in kept] == kept
    assert "kept in memory" in caplog.text
