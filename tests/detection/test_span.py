"""--from / --to: times and frame numbers, and the sources reading only that part of a recording."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.sources import ImageFolderSource, SourceError, VideoFileSource
from detection.span import Span, SpanError, parse_position
from tests.support.datasets import real_clip

CLIP = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"  # 384 frames at 6.017 frames/s


@pytest.mark.parametrize(
    ("text", "seconds", "frame"),
    [
        ("12.5", 12.5, None),
        ("0", 0.0, None),
        ("01:10", 70.0, None),
        ("00:01:10", 70.0, None),
        ("1:02:03.25", 3723.25, None),
        ("f120", None, 120),
        ("F0", None, 0),
    ],
)
def test_positions(text: str, seconds: float | None, frame: int | None) -> None:
    position = parse_position(text)
    assert (position.seconds, position.frame) == (seconds, frame)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("ten", None, "neither a time"),
        ("f-3", None, "neither a time"),
        ("1:75", None, "up to 59"),
        ("1:70:00", None, "up to 59"),
        ("20", "12.5", "is not after"),
        ("f50", "f50", "is not after"),
    ],
)
def test_bad_spans(start: str, end: str | None, message: str) -> None:
    with pytest.raises(SpanError, match=message):
        Span.parse(start, end)


def test_time_and_frame_spans_mix() -> None:
    span = Span.parse("f30", "10")  # a frame start, a time end: checked against the file's rate
    assert span.frames(6.0) == (30, 60) and span.describe() == ["f30", "10"]


def test_video_span_by_frame_and_by_time_on_a_real_clip() -> None:
    clip = real_clip(CLIP)
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    whole = {f.index: f for f in VideoFileSource("C", clip, started_at=start).frames()}
    assert len(whole) == 384
    part = list(VideoFileSource("C", clip, started_at=start, span=Span.parse("f100", "f110")).frames())
    assert [f.index for f in part] == list(range(100, 110))
    for frame in part:  # the same pictures and times as when read from the start
        assert frame.captured_at == whole[frame.index].captured_at
        assert np.array_equal(frame.image, whole[frame.index].image)
    timed = list(VideoFileSource("C", clip, started_at=start, span=Span.parse("00:10", "12.5")).frames())
    assert [f.index for f in timed] == list(range(60, 75))  # 10 s × 6.017 = frame 60 … 12.5 s = 75
    strided = list(VideoFileSource("C", clip, stride=3, span=Span.parse("f100", "f110")).frames())
    assert [f.index for f in strided] == [102, 105, 108]
    with pytest.raises(SourceError, match=r"--to 5 is not after --from f40 at 6\.02 frames/s"):
        list(VideoFileSource("C", clip, span=Span.parse("f40", "5")).frames())
    with pytest.raises(SourceError, match="ends at frame 384, before --from f500"):
        list(VideoFileSource("C", clip, span=Span.parse("f500", None)).frames())


def test_image_folder_span(tmp_path: Path) -> None:
    t0 = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    for i in range(10):
        at = t0 + timedelta(seconds=i * 0.5)
        name = at.strftime("%Y%m%dT%H%M%S.") + f"{at.microsecond // 1000:03d}Z.png"
        cv2.imwrite(str(tmp_path / name), np.full((8, 8, 3), i, np.uint8))
    by_time = list(ImageFolderSource("C", tmp_path, span=Span.parse("1", "3")).frames())
    assert [f.index for f in by_time] == [2, 3, 4, 5]
    assert by_time[0].captured_at == t0 + timedelta(seconds=1)
    by_frame = list(ImageFolderSource("C", tmp_path, span=Span.parse("f7", None)).frames())
    assert [int(f.image[0, 0, 0]) for f in by_frame] == [7, 8, 9]
