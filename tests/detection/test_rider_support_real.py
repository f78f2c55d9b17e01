"""Real Ly Thuong Kiet × Hang Bai footage (../shared/datasets/vn_real_footage): the rider in the pink
helmet (u30-08) waits at the stop line beside the white car from frame ≈ 145; from ≈ 214 the detector's
motorbike score fades to 0.04–0.10 and then to nothing while the rider stays plain to see, and at
≈ 232–240 they move off on red. Their rider keeps the track alive, so the move is a stop-line crossing
on red; without riders the track is lost and the crossing belongs to no track."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from detection.camera_config import load_camera_config
from tests.support.clips import RecordingProcessor, feed_span
from tests.support.datasets import real_footage

CAMERA = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "hanoi-ltk-hang-bai.yaml"
CLIP = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"
T0 = datetime(2022, 9, 25, 9, 0, tzinfo=UTC)
FPS = 6.0
FRAMES = (130, 246)
PINK_X = (180, 215)  # the rider's box centre, in and after the wait (the ground truth's "x~190-205")


def run(*, riders: bool) -> tuple[list[Any], list[Any]]:
    video, _ = real_footage(CLIP)
    processor = RecordingProcessor(load_camera_config(CAMERA))
    if not riders:
        processor.scene.people = None
    events = feed_span(processor, video, FRAMES, T0)
    return [e for e in events if e.code == "RED_LIGHT"], processor.ended


def frame_of(t: datetime) -> float:
    return (t - T0).total_seconds() * FPS


def pink_rider_runs(reds: list[Any]) -> list[Any]:
    def x(event: Any) -> float:
        box = event.frames[-1].box
        return (box[0] + box[2]) / 2

    return [e for e in reds if PINK_X[0] <= x(e) <= PINK_X[1] and 228 <= frame_of(e.at) <= 242]


@pytest.fixture(scope="module")
def with_riders() -> tuple[list[Any], list[Any]]:
    return run(riders=True)


def test_the_waiting_riders_track_lasts_through_the_fade_and_crosses_on_red(with_riders) -> None:
    reds, tracks = with_riders
    assert len(pink_rider_runs(reds)) == 1, [(frame_of(e.at), e.frames[-1].box) for e in reds]
    waited = [
        t for t in tracks if any(frame_of(p.t) <= 200 and 185 <= p.x <= 205 and p.y > 395 for p in t.points)
    ]
    assert len(waited) == 1
    seen = [round(frame_of(p.t)) for p in waited[0].points]
    assert min(seen) <= 150 and max(seen) >= 244  # one track from the wait into the junction
    assert all(b - a <= 2 for a, b in itertools.pairwise(seen))  # no gap through the fade


def test_without_riders_the_crossing_is_lost() -> None:
    reds, _ = run(riders=False)
    assert pink_rider_runs(reds) == []
