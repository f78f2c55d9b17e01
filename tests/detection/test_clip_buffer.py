"""The frames kept for evidence clips: encoded, bounded by time, decoded to the same frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from detection.clip_buffer import ClipBuffer

T0 = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def _frame(i: int) -> np.ndarray:
    """A 1080p frame with texture (a flat one would flatter the encoder)."""
    rng = np.random.default_rng(i)
    image = cv2.resize(rng.integers(0, 255, (135, 240, 3), np.uint8), (1920, 1080))
    cv2.putText(image, str(i), (100, 500), cv2.FONT_HERSHEY_SIMPLEX, 8, (255, 255, 255), 12)
    return image


def test_seven_seconds_at_1080p_fit_in_a_fraction_of_their_raw_size() -> None:
    buffer = ClipBuffer(keep_s=7.0)
    raw = 0
    for i in range(250):  # 10 s at 25 frames/s
        image = _frame(i % 20)
        buffer.add(i, T0 + timedelta(seconds=i / 25), image)
        raw = image.nbytes
    assert len(buffer) == 176  # 7 s back from the newest, both ends included
    assert buffer.oldest is not None and buffer.oldest.index == 74
    assert buffer.nbytes < 0.2 * len(buffer) * raw


def test_frames_come_back_in_order_and_close_to_the_originals() -> None:
    buffer = ClipBuffer(keep_s=7.0)
    for i in range(30):
        buffer.add(i, T0 + timedelta(seconds=i / 25), _frame(i))
    clip = buffer.between(T0 + timedelta(seconds=0.4), T0 + timedelta(seconds=0.8))
    assert [k.index for k in clip] == list(range(10, 21))
    for kept in clip:
        assert cv2.PSNR(kept.image(), _frame(kept.index)) > 35


def test_raw_when_asked() -> None:
    buffer = ClipBuffer(keep_s=1.0, quality=None)
    image = _frame(3)
    buffer.add(3, T0, image)
    assert buffer.oldest is not None and buffer.oldest.image() is image
