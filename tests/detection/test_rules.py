"""Violation rules on synthetic tracks, table-driven where it helps. No model is involved."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.camera_config import load_camera_config
from detection.rules import evaluate_all, lanes, no_stopping, red_light, solid_line, speeding
from detection.rules.base import Light, RuleContext, SignalTimeline, Track, TrackPoint
from detection.vehicles import VehicleClass

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camera-hcm-q1-001.yaml"
T0 = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def config():
    return load_camera_config(EXAMPLE)


def _track(points: list[tuple[float, float, float]], cls: str = "car", tid: int = 1) -> Track:
    return Track(tid, VehicleClass(cls), [TrackPoint(T0 + timedelta(seconds=t), x, y) for t, x, y in points])


def _straight(
    x0: float, y0: float, x1: float, y1: float, seconds: float, fps: float = 25.0, cls: str = "car"
) -> Track:
    n = int(seconds * fps) + 1
    return _track(
        [(i / fps, x0 + (x1 - x0) * i / (n - 1), y0 + (y1 - y0) * i / (n - 1)) for i in range(n)], cls
    )


def _signal(*changes: tuple[float, Light]) -> SignalTimeline:
    return SignalTimeline([(T0 + timedelta(seconds=s), light) for s, light in changes])


@pytest.mark.parametrize(
    ("changes", "expected_into_red"),
    [
        (((0, Light.green), (0.5, Light.red)), 0.2),  # crosses at 0.7 s, red since 0.5 s
        (((0, Light.red),), 0.7),
        (((0, Light.green), (1.0, Light.red)), None),  # crossed on green
        (((0, Light.green), (0.5, Light.amber)), None),  # amber is not red
        (((0, Light.red), (0.6, Light.green)), None),
    ],
)
def test_red_light(config, changes, expected_into_red) -> None:
    track = _straight(1000, 900, 1000, 600, seconds=1.5)  # 200 px/s upward: the stop line (y=760) at 0.7 s
    found = red_light.evaluate(track, RuleContext(config, _signal(*changes)))
    if expected_into_red is None:
        assert found == []
    else:
        assert [f.code for f in found] == ["RED_LIGHT"]
        assert found[0].measured["time_into_red_s"] == pytest.approx(expected_into_red, abs=0.05)
        assert found[0].at == pytest.approx(T0 + timedelta(seconds=0.7), abs=timedelta(milliseconds=50))


def test_red_light_needs_a_signal_and_a_crossing(config) -> None:
    assert red_light.evaluate(_straight(1000, 900, 1000, 600, 1.5), RuleContext(config)) == []
    assert (
        red_light.evaluate(_straight(1000, 900, 1000, 800, 1.5), RuleContext(config, _signal((0, Light.red))))
        == []
    )


def _road_track(config, speed_ms: float, seconds: float, cls: str = "car", noise_px: float = 0.0):
    """A vehicle moving along the road at a known speed, projected into the image."""
    cal = config.calibration
    to_image = cv2.getPerspectiveTransform(
        np.array(cal.road_points_m, np.float32), np.array(cal.image_points, np.float32)
    )
    fps, rng = 25.0, np.random.default_rng(0)
    pts = []
    for i in range(int(seconds * fps) + 1):
        t = i / fps
        road = np.array([[[3.5, 2.0 + speed_ms * t]]], np.float32)
        x, y = cv2.perspectiveTransform(road, to_image)[0, 0] + rng.normal(0, noise_px, 2)
        pts.append((t, float(x), float(y)))
    return _track(pts, cls)


@pytest.mark.parametrize(
    ("kmh", "cls", "code"),
    [
        (52, "car", None),
        (57, "car", "SPEED_05_10"),
        (65, "car", "SPEED_10_20"),
        (80, "car", "SPEED_20_35"),
        (90, "car", "SPEED_GT35"),
        (75, "motorbike", "SPEED_GT20"),  # one top band for motorbikes
        (65, "motorbike", "SPEED_10_20"),
        (75, "bus", "SPEED_20_35"),
        (55, "truck", "SPEED_10_20"),  # trucks: 40 km/h here
    ],
)
def test_speeding_codes_and_accuracy(config, kmh, cls, code) -> None:
    track = _road_track(config, kmh / 3.6, seconds=1.0, cls=cls)
    found = speeding.evaluate(track, RuleContext(config))
    assert [f.code for f in found] == ([code] if code else [])
    measured = speeding.speed_kmh(track, RuleContext(config).homography())  # type: ignore[arg-type]
    assert measured is not None and measured[0] == pytest.approx(kmh, abs=0.5)


def test_speeding_rejects_short_and_jittery_tracks(config) -> None:
    assert speeding.evaluate(_road_track(config, 30.0, seconds=0.2), RuleContext(config)) == []
    jittery = _road_track(config, 25.0, seconds=1.0, noise_px=25.0)
    assert speeding.evaluate(jittery, RuleContext(config)) == []


def test_wrong_way_and_class_not_allowed(config) -> None:
    down = _straight(700, 600, 700, 1000, seconds=2.0)  # lane-1 allows travel upward only
    assert [f.code for f in lanes.evaluate(down, RuleContext(config))] == ["WRONG_WAY"]
    up = _straight(700, 1000, 700, 600, seconds=2.0)
    assert lanes.evaluate(up, RuleContext(config)) == []
    bike = _straight(700, 1000, 700, 600, seconds=2.0, cls="motorbike")  # lane-1: car, bus, truck
    found = lanes.evaluate(bike, RuleContext(config))
    assert [f.code for f in found] == ["WRONG_LANE"] and found[0].measured["lane"] == "lane-1"
    assert found[0].measured["vehicle_class"] == "motorbike"
    assert (
        lanes.evaluate(_straight(1300, 1000, 1300, 600, seconds=2.0, cls="motorbike"), RuleContext(config))
        == []
    )


def test_solid_line_crossing(config) -> None:
    across = _straight(900, 800, 1100, 780, seconds=1.0)
    assert [f.code for f in solid_line.evaluate(across, RuleContext(config))] == ["ROAD_MARKING_SOLID_LINE"]
    alongside = _straight(900, 1000, 900, 600, seconds=1.0)
    assert solid_line.evaluate(alongside, RuleContext(config)) == []


@pytest.mark.parametrize(("seconds", "expected"), [(35, ["STOP_ILLEGAL"]), (20, [])])
def test_no_stopping_dwell(config, seconds, expected) -> None:
    parked = _track([(float(t), 1600 + (t % 2), 900.0) for t in range(seconds + 1)])
    found = no_stopping.evaluate(parked, RuleContext(config))
    assert [f.code for f in found] == expected
    if found:
        assert found[0].measured["dwell_s"] > 30


def test_all_rules_together(config) -> None:
    ctx = RuleContext(config, _signal((0, Light.red)))
    codes = {f.code for f in evaluate_all(_straight(700, 1000, 700, 600, seconds=1.0, cls="motorbike"), ctx)}
    assert codes >= {"RED_LIGHT", "WRONG_LANE"}


def test_a_box_cut_by_the_frame_edge_is_not_wrong_way(config) -> None:
    """A vehicle seen for a moment in the lane as it slips out under the frame's bottom edge: the cut
    box's bottom is the edge, not where the vehicle is, so that jump is no travel against the lane."""
    height = config.camera.resolution[1]

    def at(i: int, y: float, box_bottom: float) -> TrackPoint:
        return TrackPoint(T0 + timedelta(seconds=i / 25), 700.0, y, (650, y - 150, 750, box_bottom))

    seen = [at(i, 1000.0 + 3 * i, 1000.0 + 3 * i) for i in range(4)]  # whole, 9 px down
    cut = [at(4 + i, float(height - 1), float(height - 1)) for i in range(10)]  # cut by the edge
    assert lanes.evaluate(Track(1, VehicleClass.car, seen + cut), RuleContext(config)) == []
    # The same moves with whole boxes are travel against the lane.
    whole = [TrackPoint(p.t, p.x, p.y - 300 + 9 * i, None) for i, p in enumerate(seen + cut)]
    found = lanes.evaluate(Track(1, VehicleClass.car, whole), RuleContext(config))
    assert [f.code for f in found] == ["WRONG_WAY"]


def test_a_box_jumping_to_the_next_rider_is_not_wrong_way(config) -> None:
    """In a queue the tracker can swap a waiting rider for the one behind: one jump back, then the new
    rider's own (legal) creep forward. Only travel against the lane over several steps is wrong way."""
    ys = [800.0] * 8 + [860.0, 858.0, 856.0, 854.0, 852.0]
    swapped = _track([(i / 6, 1300.0, y) for i, y in enumerate(ys)], "motorbike")
    assert lanes.evaluate(swapped, RuleContext(config)) == []
    steady = _track([(i / 6, 1300.0, 800.0 + 12 * i) for i in range(6)], "motorbike")
    assert [f.code for f in lanes.evaluate(steady, RuleContext(config))] == ["WRONG_WAY"]
