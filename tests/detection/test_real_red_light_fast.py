"""The recommended fast setting (every frame, motion gate on) on real Ly Thuong Kiet × Hang Bai footage
(../shared/datasets/vn_real_footage): the mid-red runners that stride 3 + gate lost (u30-03, u30-07,
u30-09) are found, with nothing that is not an annotated runner. Short windows keep it fast."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from detection.camera import CameraProcessor, ProcessorOptions
from detection.camera_config import load_camera_config
from detection.pipeline import PlatePipeline
from tests.support.clips import feed_span
from tests.support.datasets import real_footage

CAMERA = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "hanoi-ltk-hang-bai.yaml"
CLIP = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"
MATCH_S = 1.0  # crossings are read by eye from 6 fps video: ±2 frames
T0 = datetime(2022, 9, 25, 9, 0, tzinfo=UTC)
FAST = ProcessorOptions(stride=1, motion_gate=True)


def distance(truth: dict, at: float) -> float:
    spans = [
        truth[k]["times_s"]
        for k in ("crossed_stop_line", "entered_junction")
        if isinstance(truth.get(k), dict)
    ]
    return min((max(a - at, at - b, 0.0) for a, b in spans), default=float("inf"))


def red_light_times(frames: tuple[int, int], options: ProcessorOptions) -> list[float]:
    video, _ = real_footage(CLIP)
    processor = CameraProcessor(load_camera_config(CAMERA), PlatePipeline(), options)
    events = feed_span(processor, video, frames, T0)
    return sorted((e.at - T0).total_seconds() for e in events if e.code == "RED_LIGHT")


@pytest.mark.parametrize(
    ("frames", "runners"),
    # to frame 244: u30-09 crosses at ≈ frame 232 and is clearly past the line (a box height) at ≈ 237
    [((95, 125), ["u30-03"]), ((176, 244), ["u30-06", "u30-07", "u30-09"])],
    ids=["u30-03", "u30-06..09"],
)
def test_fast_setting_finds_the_runners(frames, runners) -> None:
    _, truth = real_footage(CLIP)
    events = {e["id"]: e for e in truth["stop_line_events"]}
    reds = red_light_times(frames, FAST)
    for runner in runners:
        assert any(distance(events[runner], t) <= MATCH_S for t in reds), (runner, reds)
    annotated = [e for e in events.values() if e["violation"] in ("yes", "uncertain")]
    assert all(any(distance(e, t) <= MATCH_S for e in annotated) for t in reds), reds
