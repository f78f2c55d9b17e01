"""Helmets on, over real Vietnamese CCTV footage (../shared/datasets/vn_real_footage, Ly Thuong Kiet ×
Hang Bai): of the three clips it shows the riders nearest the camera and largest, and every rider in
view wears a helmet (its ground truth labels no helmets; this was checked by eye on frames 120–240,
where a queue of motorbikes waits at the stop line in the bottom half of the image). With the trained
helmet detector, no NO_HELMET_* finding may come out of that span, and the detector must have judged
riders (a span where it saw nothing would prove nothing). Frames 140–230 at stride 2 keep it short."""

from __future__ import annotations

from pathlib import Path

import pytest

from detection.camera_config import load_camera_config
from detection.helmet_clip import run_clip
from detection.models import ModelNotFound, find_source
from tests.support.datasets import real_footage

CAMERA = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "hanoi-ltk-hang-bai.yaml"
CLIP = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"
SPAN = (140, 230)


def _require_helmet_weights() -> None:
    try:
        find_source("helmet")
    except ModelNotFound as exc:
        pytest.skip(f"the helmet detector is not trained yet (`tvp models train-helmets --ship`): {exc}")


def test_no_helmet_finding_over_the_helmeted_riders() -> None:
    video, _ = real_footage(CLIP)
    _require_helmet_weights()
    run = run_clip(load_camera_config(CAMERA), video, SPAN, every_n=1, stride=2)
    no_helmet = [e.summary() for e in run.events if e.code.startswith("NO_HELMET")]
    print(f"helmet verdicts over frames {SPAN}: {run.seen}; crops {run.crops}; {run.helmet_frames} frames")
    assert no_helmet == []
    assert run.helmet_frames > 0 and run.crops > 0
    assert run.seen.get("worn", 0) >= 1, run.seen  # riders were judged, and judged helmeted
