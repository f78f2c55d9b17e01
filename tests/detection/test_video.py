"""Tracking, voting and motion gating on generated footage (a real photo with a VN plate, panning)."""

import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.images import load_image
from detection.pipeline import PlatePipeline
from detection.synth import composite
from detection.train import held_out
from detection.video import MotionGate, TrackedPlateReader, VideoError, iter_video
from ocr.plate_format import parse_plate
from ocr.reader import PlateRead
from ocr.vote import TrackVotes
from tests.support.datasets import labelled


def _footage(seed: int, frames: int = 16) -> tuple[list[np.ndarray], str]:
    rng = random.Random(seed)
    src = [p for p in labelled("openalpr_eu") if held_out(p.image)][3]
    comp = composite(load_image(src.image), src.box, rng)
    h, w = comp.image.shape[:2]
    out = [
        cv2.warpAffine(
            comp.image,
            np.array([[1, 0, -24 + 3 * i], [0, 1, -8 + i]], np.float32),
            (w, h),
            borderMode=cv2.BORDER_REPLICATE,
        )
        for i in range(frames)
    ]
    return out, comp.spec.plate.compact


def test_one_voted_read_per_vehicle_with_motion_gating() -> None:
    frames, truth = _footage(5)
    frames += [frames[-1]] * 6  # the vehicle stops: nothing changes
    reader = TrackedPlateReader(PlatePipeline(), gate=MotionGate())
    results = []
    for i, frame in enumerate(frames):
        results += reader.feed(i, frame)
    results += reader.flush()
    assert reader.frames == 22 and reader.processed == 16  # the still frames were skipped
    assert len(results) == 1
    verdict = results[0].verdict
    assert verdict.best.compact == truth
    assert verdict.votes >= 10 and verdict.agreement >= 0.8


def _read(text: str, conf: float) -> PlateRead:
    plate = parse_plate(text)
    return PlateRead(plate, conf, tuple(conf for _ in plate.compact), len(plate.lines))


def test_vote_weighs_confidence_and_keeps_alternatives() -> None:
    votes = TrackVotes()
    for text, conf in [("51G-123.45", 0.9), ("51G-123.45", 0.8), ("51G-128.45", 0.95), ("51C-123.45", 0.3)]:
        votes.add(_read(text, conf))
    verdict = votes.verdict()
    assert verdict is not None
    assert verdict.best.text == "51G-123.45" and verdict.votes == 2 and verdict.total_reads == 4
    assert [a.compact for a in verdict.alternatives] == ["51G12845", "51C12345"]
    assert TrackVotes().verdict() is None


def test_sharper_crops_count_more() -> None:
    sharp = np.zeros((40, 160, 3), np.uint8)
    sharp[:, ::4] = 255
    blurred = cv2.GaussianBlur(sharp, (9, 9), 4)
    votes = TrackVotes()
    votes.add(_read("30A-999.99", 0.9), blurred)
    votes.add(_read("30A-999.99", 0.9), blurred)
    votes.add(_read("30A-998.99", 0.9), sharp)
    votes.add(_read("30A-998.99", 0.9), sharp)
    assert votes.verdict().best.text == "30A-998.99"  # type: ignore[union-attr]


@pytest.mark.parametrize("content", [b"", b"\x00\x00\x00\x18ftypmp42 truncated", b"not a video at all"])
def test_corrupt_video_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoError, match=r"not a readable video|no decodable frames"):
        list(iter_video(path))


def test_video_round_trip(tmp_path: Path) -> None:
    frames, _ = _footage(6, frames=5)
    path = tmp_path / "clip.avi"
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 25, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    assert [i for i, _ in iter_video(path)] == [0, 1, 2, 3, 4]
    with pytest.raises(VideoError, match="does not exist"):
        list(iter_video(tmp_path / "missing.mp4"))
