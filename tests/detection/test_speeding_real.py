"""The speeding fit on a real clip: vn_arterial_underpass_handheld_speed.mp4 (../shared/datasets/
vn_real_footage), tracked as the camera loop tracks it, with the camera file bench/cameras/
vn-arterial-underpass.yaml (its metric scale is assumed, so speeds are checked against the ground truth's
crossing frames under that same scale, not in absolute terms)."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.camera_config import load_camera_config
from detection.pipeline import PlatePipeline
from detection.rules import speeding
from detection.rules.base import RuleContext, Track, TrackPoint
from detection.tracking import Tracker
from detection.vehicles import VehicleClass
from tests.support.datasets import SHARED

CLIP = SHARED / "datasets" / "vn_real_footage" / "vn_arterial_underpass_handheld_speed.mp4"
CAMERA = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "vn-arterial-underpass.yaml"
FRAMES = (425, 545)  # steady camera; the SUV k1 enters at ≈428 and crosses rows 400 and 330
K1_ROWS = ((400.0, 455), (330.0, 498))  # (image row of the rear-bottom edge, frame), ±2 frames
FPS = 30.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def tracks() -> list[Track]:
    if not CLIP.exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"{CLIP} not found: ../shared must sit beside the repository")
        pytest.skip(f"{CLIP} not available")
    detector, tracker = PlatePipeline().vehicles, Tracker()
    found: dict[int, Track] = {}
    classes: dict[int, Counter[str]] = {}
    cap = cv2.VideoCapture(str(CLIP))  # read from the start: seeking is not frame-exact in every build
    for index in range(FRAMES[1] + 1):
        ok, image = cap.read()
        assert ok, index
        if index < FRAMES[0]:
            continue
        vehicles = tracker.update(detector.detect(image))
        for i in range(len(vehicles)):
            tid = int(vehicles.tracker_id[i]) if vehicles.tracker_id is not None else -1
            x1, y1, x2, y2 = (round(float(v)) for v in vehicles.xyxy[i])
            track = found.setdefault(tid, Track(tid, VehicleClass.car))
            classes.setdefault(tid, Counter())[vehicles.name(i)] += 1
            at = T0 + timedelta(seconds=index / FPS)
            track.points.append(TrackPoint(at, (x1 + x2) / 2, float(y2), (x1, y1, x2, y2)))
    cap.release()
    for tid, track in found.items():
        track.vehicle_class = VehicleClass(classes[tid].most_common(1)[0][0])
    return list(found.values())


@pytest.fixture(scope="module")
def ctx() -> RuleContext:
    return RuleContext(load_camera_config(CAMERA))


def _frame(p: TrackPoint) -> float:
    return (p.t - T0).total_seconds() * FPS


def _crossing(track: Track, row: float) -> tuple[float, float] | None:
    """(frame, anchor x) where the box's bottom edge passes the image row, moving up the image."""
    for a, b in pairwise(track.points):
        if a.y > row >= b.y:
            f = (a.y - row) / (a.y - b.y)
            return _frame(a) + (_frame(b) - _frame(a)) * f, a.x + (b.x - a.x) * f
    return None


def test_the_suv_in_the_ground_truth_is_measured_at_the_speed_its_crossings_give(tracks, ctx) -> None:
    (row_a, frame_a), (row_b, frame_b) = K1_ROWS
    k1 = [
        t
        for t in tracks
        if t.vehicle_class is not VehicleClass.motorbike
        and (hit := _crossing(t, row_a)) is not None
        and abs(hit[0] - frame_a) <= 4
    ]
    assert len(k1) == 1
    a, b = _crossing(k1[0], row_a), _crossing(k1[0], row_b)
    assert a is not None and b is not None and abs(b[0] - frame_b) <= 4
    h = ctx.homography()
    assert h is not None
    ends = cv2.perspectiveTransform(np.array([[[a[1], row_a]], [[b[1], row_b]]], np.float64), h)
    truth_kmh = float(np.linalg.norm(ends[1, 0] - ends[0, 0])) / ((frame_b - frame_a) / FPS) * 3.6
    fit = speeding.measure(k1[0], ctx)
    assert fit is not None and fit.accepted and fit.method == "box-relative"
    assert fit.speed_kmh == pytest.approx(truth_kmh, rel=0.1)


def test_every_four_wheeler_seen_for_a_second_is_measured(tracks, ctx) -> None:
    """Cars and buses, approaching, receding, entering through the frame's edge, standing: the fixed
    0.6 m tolerance measured 3 of the 6 in this window."""
    long = [t for t in tracks if t.vehicle_class is not VehicleClass.motorbike and np.ptp(t.seconds()) >= 1.0]
    assert len(long) >= 4 and {t.vehicle_class for t in long} >= {VehicleClass.car}
    for track in long:
        fit = speeding.measure(track, ctx)
        assert fit is not None and fit.accepted, (track.track_id, track.vehicle_class, fit)


def test_motorbikes_are_still_measured(tracks, ctx) -> None:
    bikes = [t for t in tracks if t.vehicle_class is VehicleClass.motorbike and np.ptp(t.seconds()) >= 1.0]
    assert len(bikes) >= 5
    measured = [t for t in bikes if (fit := speeding.measure(t, ctx)) is not None and fit.accepted]
    assert len(measured) >= 0.8 * len(bikes)
