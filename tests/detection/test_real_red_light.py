"""Red-light runners on real Hanoi footage (../shared/datasets/vn_real_footage), through the camera
loop with the real detector: the first 12 s of Giang Vo × Lang Ha (green, a dark head with no amber,
then red with three riders running it and one rider crossing in the dark interval)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from detection.camera import CameraProcessor, ProcessorOptions, ViolationEvent
from detection.camera_config import load_camera_config
from detection.pipeline import PlatePipeline
from detection.sources import VideoFileSource
from tests.support.datasets import real_footage

CAMERA = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "hanoi-giang-vo-lang-ha.yaml"
CLIP = "hanoi_giang_vo_lang_ha_green_to_red_queue.mp4"
FRAMES = 72  # 11.8 s: every annotated event of the clip happens before
MATCH_S = 1.0  # crossings are read by eye from 6 fps video: ±2 frames
T0 = datetime(2022, 9, 25, 9, 15, tzinfo=UTC)


def seconds(event: ViolationEvent) -> float:
    return (event.at - T0).total_seconds()


def distance(truth: dict, at: float) -> float:
    spans = [truth[k]["times_s"] for k in ("crossed_stop_line", "entered_junction") if k in truth]
    return min(max(a - at, at - b, 0.0) for a, b in spans)


@pytest.fixture(scope="module", params=[False, True], ids=["full-rate", "motion-gate"])
def run(request) -> tuple[list[ViolationEvent], dict]:
    """Full rate, and the recommended fast setting (every frame, motion gate on)."""
    video, truth = real_footage(CLIP)
    config = load_camera_config(CAMERA)
    processor = CameraProcessor(config, PlatePipeline(), ProcessorOptions(motion_gate=request.param))
    events: list[ViolationEvent] = []
    for frame in VideoFileSource(config.camera.id, video, started_at=T0).frames():
        if frame.index >= FRAMES:
            break
        events += processor.feed(frame)
    return events + processor.flush(), truth


def test_every_runner_is_found(run) -> None:
    events, truth = run
    reds = sorted(seconds(e) for e in events if e.code == "RED_LIGHT")
    for runner in (e for e in truth["stop_line_events"] if e["violation"] == "yes"):
        near = [t for t in reds if distance(runner, t) <= MATCH_S]
        assert near, f"{runner['id']} ({runner['vehicle']}) not found; red-light events at {reds}"


def test_no_alarm_for_the_rider_in_the_dark_interval_nor_before_red(run) -> None:
    events, truth = run
    reds = [seconds(e) for e in events if e.code == "RED_LIGHT"]
    red_from = next(c["time_s"] for c in truth["signal_heads"][0]["changes"] if c["to"] == "red")
    assert all(t > red_from for t in reds), reds
    for legal in (e for e in truth["stop_line_events"] if e["violation"] == "no"):
        assert all(distance(legal, t) > MATCH_S for t in reds), (legal["id"], reds)
    # Nothing else: each event is an annotated runner or an annotated uncertain case.
    annotated = [e for e in truth["stop_line_events"] if e["violation"] in ("yes", "uncertain")]
    assert all(any(distance(e, t) <= MATCH_S for e in annotated if "crossed_stop_line" in e) for t in reds)
    assert all(e.signal and e.signal["state"] == "red" for e in events if e.code == "RED_LIGHT")
