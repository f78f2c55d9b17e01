"""Helmets on, over real Vietnamese CCTV footage (../shared/datasets/vn_real_footage, Ly Thuong Kiet ×
Hang Bai): of the three clips it shows the riders nearest the camera and largest. Its ground truth
labels no helmets; by eye (zoomed frames):

- frames 130–190: every rider in the bottom half wears a helmet (a queue forms at the stop line);
- from about frame 196 a helmeted rider in orange carries a passenger in white with bare black hair
  (perhaps a child), who rides in and waits at the stop line at x ≈ 440–520, y ≈ 340–470 to frame
  ≈ 240: the one unhelmeted rider near the camera.

With the trained helmet detector: no NO_HELMET_* finding over the helmeted span, with riders judged
helmeted (a span where it saw nothing would prove nothing); over the span with the passenger, no
finding on a driver, and any no-helmet finding is that passenger's (printed: what the detector finds).
Stride 2 keeps it short (2 shared cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detection.camera_config import load_camera_config
from detection.helmet_clip import run_clip
from detection.models import ModelNotFound, find_source
from tests.support.datasets import real_footage

CAMERA = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "hanoi-ltk-hang-bai.yaml"
CLIP = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"
HELMETED = (130, 190)
WITH_PASSENGER = (196, 250)
PASSENGER_X = (420, 540)  # the bare-headed passenger's motorbike, bottom centre x


def _require_helmet_weights() -> None:
    try:
        find_source("helmet")
    except ModelNotFound as exc:
        pytest.skip(f"the helmet detector is not trained yet (`tvp models train-helmets --ship`): {exc}")


def _run(span: tuple[int, int]):
    video, _ = real_footage(CLIP)
    _require_helmet_weights()
    run = run_clip(load_camera_config(CAMERA), video, span, every_n=1, stride=2)
    found = [e.summary() for e in run.events if e.code.startswith("NO_HELMET")]
    print(f"frames {span}: verdicts {run.seen}, {run.crops} crops, {run.helmet_frames} frames: {found}")
    return run, found


def test_no_helmet_finding_over_the_helmeted_riders() -> None:
    run, found = _run(HELMETED)
    assert found == []
    assert run.helmet_frames > 0 and run.crops > 0
    assert run.seen.get("worn", 0) >= 1, run.seen  # riders were judged, and judged helmeted


def test_the_bare_headed_passenger_is_the_only_one_it_may_call() -> None:
    _, found = _run(WITH_PASSENGER)
    assert not any(f["code"] == "NO_HELMET_DRIVER" for f in found), found
    for f in found:
        assert f["box"] is not None, f
        x1, _, x2, _ = f["box"]
        assert PASSENGER_X[0] <= (x1 + x2) / 2 <= PASSENGER_X[1], f
        assert f["measured"]["rider"] >= 1
