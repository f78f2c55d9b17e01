"""Red light at a queue: vehicles standing at the stop line through a long red raise nothing, whatever
their box's bottom edge does; a vehicle that crosses on red and goes on is caught. Tracks are built
from road geometry (the generated camera's calibration: positions in metres projected into the image,
a car's box from its width), judged point by point as the camera loop does. No model is involved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from detection.camera_config import CameraConfig
from detection.footage import STOP_LINE_M, camera_config, homography, to_image
from detection.rules import red_light
from detection.rules.base import Finding, Light, RuleContext, SignalTimeline, Track, TrackPoint, crossing
from detection.vehicles import VehicleClass

T0 = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
FPS = 25.0
GREEN_S = 60.0  # red from 0 s to here
LANE_M, WIDTH_M, ASPECT = 3.5, 1.8, 0.8  # lane centre, car width, box height / width
H = homography()
SIGNAL = SignalTimeline(
    [(T0 - timedelta(seconds=5), Light.red), (T0 + timedelta(seconds=GREEN_S), Light.green)]
)


def calibrated() -> CameraConfig:
    return CameraConfig.model_validate(camera_config())


def uncalibrated() -> CameraConfig:
    data = camera_config()
    del data["calibration"]
    return CameraConfig.model_validate(data)


def point(t: float, y_m: float, *, hidden: float = 0.0, jitter_px: float = 0.0) -> TrackPoint:
    """The car at y_m metres up the road: its box from its width; ``hidden``: the fraction of the box
    that a vehicle behind it covers from below (the box's bottom edge, the anchor, rises)."""
    left, right = to_image(H, LANE_M - WIDTH_M / 2, y_m), to_image(H, LANE_M + WIDTH_M / 2, y_m)
    x, bottom = (left[0] + right[0]) / 2, left[1] + jitter_px
    width = right[0] - left[0]
    height = ASPECT * width
    top = bottom - height
    bottom -= hidden * height
    return TrackPoint(T0 + timedelta(seconds=t), x, bottom, (x - width / 2, top, x + width / 2, bottom))


def drive(until_s: float, y_m: Callable[[float], float], **kw: Callable[[float], float]) -> list[TrackPoint]:
    """A point per frame from 0 s to ``until_s``, at y_m(t), with the other point() arguments of t."""
    times = np.arange(0.0, until_s, 1 / FPS)
    return [point(float(t), y_m(float(t)), **{k: f(float(t)) for k, f in kw.items()}) for t in times]


def approach_then_stand(stop_m: float) -> Callable[[float], float]:
    """Up the road at 6 m/s to stop_m, stand there until 1 s after green, then off at 2 m/s²."""

    def y(t: float) -> float:
        if t >= GREEN_S + 1:
            return min(stop_m + (t - GREEN_S - 1) ** 2, 24.0)
        return min(4.0 + 6.0 * t, stop_m)

    return y


def judged(points: list[TrackPoint], config: CameraConfig) -> list[Finding]:
    """What the camera loop finds: the rule run on the track each time it grows by a point."""
    track, ctx = Track(1, VehicleClass.car), RuleContext(config, SIGNAL)
    for p in points:
        track.points.append(p)
        if found := red_light.evaluate(track, ctx):
            return found
    return []


def crosses_on_red(points: list[TrackPoint], config: CameraConfig) -> bool:
    """Whether the anchor path crosses the stop line before green (what a bare crossing test sees)."""
    before_green = [p for p in points if p.t < T0 + timedelta(seconds=GREEN_S)]
    path = np.array([[p.x, p.y] for p in before_green])
    return crossing(path, config.lines[0].points) is not None


def jitter(seed: int, px: float) -> Callable[[float], float]:
    rng = np.random.default_rng(seed)
    return lambda _t: float(rng.uniform(-px, px))


@pytest.mark.parametrize("config", [calibrated(), uncalibrated()], ids=["calibrated", "uncalibrated"])
def test_front_row_hidden_from_below_by_the_car_behind_raises_nothing(config) -> None:
    """Stopped 0.6 m before the line; from 5 s on the car queuing behind hides the lower 30 % of its
    box, lifting the anchor over the line for the rest of the red. It leaves on green."""
    points = drive(
        GREEN_S + 8,
        approach_then_stand(STOP_LINE_M - 0.6),
        hidden=lambda t: 0.3 * min(1.0, max(0.0, t - 5.0)) if t < GREEN_S + 2 else 0.0,
        jitter_px=jitter(1, 3.0),
    )
    assert crosses_on_red(points, config)  # the anchor does go over the line on red
    assert judged(points, config) == []


@pytest.mark.parametrize("config", [calibrated(), uncalibrated()], ids=["calibrated", "uncalibrated"])
def test_jittering_around_the_line_raises_nothing(config) -> None:
    """Stopped with its anchor on the line, the box's bottom edge jittering 5 px either side."""
    points = drive(GREEN_S + 8, approach_then_stand(STOP_LINE_M), jitter_px=jitter(2, 5.0))
    assert crosses_on_red(points, config)
    assert judged(points, config) == []


@pytest.mark.parametrize("config", [calibrated(), uncalibrated()], ids=["calibrated", "uncalibrated"])
def test_just_over_the_line_waiting_then_off_on_green_raises_nothing(config) -> None:
    """Overran the line by 0.5 m on red, waited there, went on when the light turned green."""
    points = drive(GREEN_S + 8, approach_then_stand(STOP_LINE_M + 0.5), jitter_px=jitter(3, 3.0))
    assert judged(points, config) == []


@pytest.mark.parametrize("config", [calibrated(), uncalibrated()], ids=["calibrated", "uncalibrated"])
def test_crossing_on_red_and_going_on_is_caught_at_the_crossing(config) -> None:
    points = drive(8.0, lambda t: 4.0 + 8.0 * t, jitter_px=jitter(4, 3.0))  # 29 km/h, on up the road
    found = judged(points, config)
    assert [f.code for f in found] == ["RED_LIGHT"]
    crossed = (STOP_LINE_M - 4.0) / 8.0
    assert abs((found[0].at - T0).total_seconds() - crossed) <= 0.1


def test_waiting_just_over_the_line_then_going_on_red_is_caught_when_it_set_off() -> None:
    """Overran the line by 0.5 m, waited 10 s, then went on while the light was still red."""

    def y(t: float) -> float:
        return min(4.0 + 6.0 * t, STOP_LINE_M + 0.5) + (max(0.0, t - 12.0) ** 2)

    found = judged(drive(17.0, lambda t: min(y(t), 24.0), jitter_px=jitter(5, 3.0)), calibrated())
    assert [f.code for f in found] == ["RED_LIGHT"]
    assert 12.0 <= (found[0].at - T0).total_seconds() <= 14.0  # set off at 12 s (not the crossing at 1.4 s)


def test_creeping_over_the_line_on_red_and_on_into_green_is_caught() -> None:
    """Moved off 2 s before green (0.5 m/s²): over the line on red, clearly past only after green."""

    def y(t: float) -> float:
        return min(4.0 + 6.0 * t, STOP_LINE_M - 0.6) + 0.25 * max(0.0, t - (GREEN_S - 2)) ** 2

    found = judged(drive(GREEN_S + 8, lambda t: min(y(t), 24.0), jitter_px=jitter(6, 3.0)), calibrated())
    assert [f.code for f in found] == ["RED_LIGHT"]
    assert (found[0].at - T0).total_seconds() < GREEN_S
