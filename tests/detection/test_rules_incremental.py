"""The camera loop judges a live track on every frame that extends it: each call must cost the new
points only (a queue at a red light would otherwise make the loop quadratic), and give what judging
the whole track afresh gives."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import pytest

from detection.camera import FINAL_RULES
from detection.camera_config import load_camera_config
from detection.rules import RULES, base
from detection.rules.base import Light, RuleContext, SignalTimeline, Track, TrackPoint
from detection.vehicles import VehicleClass

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camera-hcm-q1-001.yaml"
T0 = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)


def judge(track: Track, ctx: RuleContext) -> list[base.Finding]:
    """What the loop runs on a live track (speeding waits for the track's end)."""
    return [f for name, rule in RULES.items() if name not in FINAL_RULES for f in rule(track, ctx)]


@pytest.fixture(scope="module")
def ctx() -> RuleContext:
    return RuleContext(
        load_camera_config(EXAMPLE),
        SignalTimeline([(T0, Light.green), (T0 + timedelta(seconds=40), Light.red)]),
    )


def _point(i: int, x: float, y: float) -> TrackPoint:
    return TrackPoint(T0 + timedelta(seconds=i / 25), x, y, (x - 60, y - 120, x + 60, y))


def _queued_then_gone(waiting: int) -> list[TrackPoint]:
    """A motorbike waits in lane-1 before the stop line (a little jitter), then rides over it on red
    and crosses the solid centre line; another one stands in the bus stop beyond its limit."""
    points = [_point(i, 700 + (i % 3), 800.0 + (i % 2)) for i in range(waiting)]
    return points + [_point(waiting + k, 700 + 20 * k, 800.0 - 12 * k) for k in range(1, 25)]


@pytest.mark.parametrize(
    "points",
    [_queued_then_gone(1100), [_point(i, 1600 + (i % 2), 900.0) for i in range(900)]],
    ids=["red light, wrong lane, solid line", "no stopping"],
)
def test_judging_as_the_track_grows_finds_what_judging_it_whole_does(ctx, points) -> None:
    growing = Track(1, VehicleClass.motorbike)
    seen: list[list[str]] = []
    for k, point in enumerate(points):
        growing.points.append(point)
        found = judge(growing, ctx)
        seen.append(sorted(f.code for f in found))
        if k % 97 == 0 or k == len(points) - 1:  # some prefixes, judged afresh
            whole = Track(1, VehicleClass.motorbike, list(points[: k + 1]))
            assert judge(whole, ctx) == found
    assert seen[-1]  # something was found
    assert len({tuple(s) for s in seen}) > 1  # and not from the first point on


def test_a_new_point_costs_the_same_however_long_the_track(ctx, monkeypatch) -> None:
    track = Track(1, VehicleClass.motorbike, _queued_then_gone(3000)[:3000])
    judge(track, ctx)
    polygon_tests = 0
    steps_checked: list[int] = []
    point_polygon_test, crossing = cv2.pointPolygonTest, base.crossing

    def counting_polygon_test(*args, **kwargs):
        nonlocal polygon_tests
        polygon_tests += 1
        return point_polygon_test(*args, **kwargs)

    def counting_crossing(path, line):
        steps_checked.append(len(path) - 1)
        return crossing(path, line)

    monkeypatch.setattr(cv2, "pointPolygonTest", counting_polygon_test)
    monkeypatch.setattr(base, "crossing", counting_crossing)
    for i in range(3000, 3010):
        track.points.append(_point(i, 700.0, 800.0))
        judge(track, ctx)
    assert polygon_tests <= 10 * 10  # a few per new point (lanes, zones), not one per point of the track
    assert steps_checked and max(steps_checked) <= 1  # only the new step is checked for a crossing


def test_a_replaced_list_of_points_is_judged_afresh(ctx) -> None:
    track = Track(1, VehicleClass.motorbike, _queued_then_gone(50))
    assert judge(track, ctx)
    track.points = [_point(i, 1600 + (i % 2), 900.0) for i in range(900)]  # in the bus stop
    assert [f.code for f in judge(track, ctx)] == ["STOP_ILLEGAL"]
    assert track.xy().shape == (900, 2)
