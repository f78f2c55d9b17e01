"""Frame sources: timestamps, order, and clear errors for bad input."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.sources import (
    ImageFolderSource,
    SourceError,
    StreamSource,
    VideoFileSource,
    stamp_from_name,
)


def _write_video(path: Path, frames: int = 10, fps: float = 10.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (160, 120))
    for i in range(frames):
        img = np.full((120, 160, 3), i * 20 % 255, np.uint8)
        writer.write(img)
    writer.release()


def test_video_file_timestamps_follow_the_container(tmp_path: Path) -> None:
    path = tmp_path / "cam.avi"
    _write_video(path, frames=10, fps=10.0)
    start = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
    frames = list(VideoFileSource("CAM-1", path, started_at=start).frames())
    assert [f.index for f in frames] == list(range(10))
    assert all(f.camera_id == "CAM-1" and f.captured_at.tzinfo is not None for f in frames)
    steps = {round((b.captured_at - a.captured_at).total_seconds(), 3) for a, b in pairwise(frames)}
    assert steps == {0.1}
    assert frames[0].captured_at == start


def test_video_start_time_must_be_aware(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        VideoFileSource("CAM-1", tmp_path / "x.avi", started_at=datetime(2026, 1, 1))


@pytest.mark.parametrize("content", [b"", b"garbage bytes, not a container", b"\x00\x00\x00\x18ftypmp42"])
def test_corrupt_video_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=r"not a readable video|no decodable frames"):
        list(VideoFileSource("CAM-1", path).frames())


def test_missing_video_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        list(VideoFileSource("CAM-1", tmp_path / "missing.mp4").frames())


def test_truncated_video_keeps_the_frames_it_has(tmp_path: Path) -> None:
    path = tmp_path / "cam.avi"
    _write_video(path, frames=20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    frames = list(VideoFileSource("CAM-1", path).frames())
    assert 0 < len(frames) < 20


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("20261122T101500.123Z.jpg", datetime(2026, 11, 22, 10, 15, 0, 123000, UTC)),
        ("cam1_2026-11-22_10-15-00-5.png", datetime(2026, 11, 22, 10, 15, 0, 500000, UTC)),
        ("20261122T171500+07:00.jpg", datetime(2026, 11, 22, 10, 15, 0, tzinfo=UTC)),
        ("frame-0001.jpg", None),
        ("20261399T101500.jpg", None),
    ],
)
def test_stamp_from_name(name: str, expected: datetime | None) -> None:
    assert stamp_from_name(name) == expected


def test_image_folder_orders_by_name_time_and_skips_bad_files(tmp_path: Path) -> None:
    for stamp in ("20261122T101500.200Z", "20261122T101500.000Z", "20261122T101500.100Z"):
        cv2.imwrite(str(tmp_path / f"{stamp}.jpg"), np.zeros((20, 20, 3), np.uint8))
    (tmp_path / "20261122T101500.300Z.jpg").write_bytes(b"corrupt")
    frames = list(ImageFolderSource("CAM-2", tmp_path).frames())
    assert [f.captured_at.microsecond for f in frames] == [0, 100000, 200000]
    assert frames[0].captured_at.tzinfo == UTC or frames[0].captured_at.utcoffset() == timedelta(0)


def test_image_folder_without_stamps_uses_mtime_and_fps(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.zeros((10, 10, 3), np.uint8))
    frames = list(ImageFolderSource("CAM-3", tmp_path, fps=5).frames())
    assert [round((f.captured_at - frames[0].captured_at).total_seconds(), 3) for f in frames] == [
        0,
        0.2,
        0.4,
    ]


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="contains no images"):
        list(ImageFolderSource("CAM-3", tmp_path).frames())
    with pytest.raises(SourceError, match="is not a folder"):
        list(ImageFolderSource("CAM-3", tmp_path / "nope").frames())


def test_unreachable_stream_retries_with_backoff_then_reports() -> None:
    source = StreamSource(
        "CAM-4", "rtsp://127.0.0.1:1/live", min_backoff=0.05, max_backoff=0.2, max_attempts=3
    )
    started = datetime.now(UTC)
    with pytest.raises(SourceError, match="unreachable after 3 attempts"):
        list(source.frames())
    assert (datetime.now(UTC) - started).total_seconds() >= 0.15  # waited 0.05 + 0.1 between tries


def test_stream_can_be_stopped_while_waiting() -> None:
    source = StreamSource("CAM-5", "rtsp://127.0.0.1:1/live", min_backoff=5.0)
    source.stop()
    assert list(source.frames()) == []
