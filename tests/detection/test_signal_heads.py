"""Several signal heads per camera, each controlling some movements of some lanes; the movement
judged from the track's path after the stop line (constructed tracks, no model)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detection.camera_config import CameraConfig, CameraConfigError, Movement, load_camera_config
from detection.rules import red_light
from detection.rules.base import Light, RuleContext, SignalTimeline, Track, TrackPoint
from detection.vehicles import VehicleClass

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camera-hcm-q1-001.yaml"
T0 = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
HEADS = [
    {"name": "main", "box": [1760, 120, 1820, 300], "controls": ["straight", "left"]},
    {"name": "right-arrow", "box": [1700, 120, 1750, 300], "controls": ["right"], "lanes": ["lane-2"]},
]


def camera(heads: list[dict] | None = None, **light: object) -> CameraConfig:
    data = load_camera_config(EXAMPLE).model_dump(mode="json")
    data["traffic_light"] = {"heads": heads if heads is not None else HEADS, **light}
    return CameraConfig.model_validate(data)


def signal(light: Light) -> SignalTimeline:
    return SignalTimeline([(T0 - timedelta(seconds=10), light)])


def context(config: CameraConfig, main: Light, arrow: Light) -> RuleContext:
    heads = {"main": signal(main), "right-arrow": signal(arrow)}
    return RuleContext(config, heads["main"], heads)


def drive(x: float, after: tuple[float, float], steps_after: int = 8) -> Track:
    """Up the lane at x from y=900 to the stop line (y=760) and on; past the line each step moves by
    ``after`` (dx, dy) in pixels. 10 points a second."""
    points = [(x, 900.0 - 20 * i) for i in range(8)]  # y 900 → 760
    for _ in range(steps_after):
        last = points[-1]
        points.append((last[0] + after[0], last[1] + after[1]))
    return Track(
        1,
        VehicleClass.motorbike,
        [TrackPoint(T0 + timedelta(seconds=0.1 * i), px, py) for i, (px, py) in enumerate(points)],
    )


STRAIGHT, RIGHT, LEFT = (0.0, -20.0), (20.0, -4.0), (-20.0, -4.0)
LANE_2_X, LANE_1_X = 1300.0, 700.0


@pytest.mark.parametrize(
    ("main", "arrow", "x", "after", "expected"),
    [
        # A right turn on a green right arrow while straight on is red: legal.
        (Light.red, Light.green, LANE_2_X, RIGHT, None),
        (Light.red, Light.green, LANE_2_X, STRAIGHT, ("main", "straight")),
        (Light.red, Light.green, LANE_2_X, LEFT, ("main", "left")),
        (Light.red, Light.red, LANE_2_X, RIGHT, ("right-arrow", "right")),
        (Light.green, Light.red, LANE_2_X, RIGHT, ("right-arrow", "right")),
        (Light.green, Light.red, LANE_2_X, STRAIGHT, None),
        # The arrow controls lane-2 only: from lane-1 a right turn obeys the main head.
        (Light.red, Light.green, LANE_1_X, RIGHT, ("main", "right")),
    ],
)
def test_the_head_controlling_the_movement_decides(main, arrow, x, after, expected) -> None:
    found = red_light.evaluate(drive(x, after), context(camera(), main, arrow))
    if expected is None:
        assert found == []
    else:
        assert [f.code for f in found] == ["RED_LIGHT"]
        assert (found[0].measured["signal_head"], found[0].measured["movement"]) == expected


def test_undecided_until_the_vehicle_is_far_enough_past_the_line() -> None:
    ctx = context(camera(), Light.red, Light.green)
    assert red_light.evaluate(drive(LANE_2_X, STRAIGHT, steps_after=1), ctx) == []
    assert red_light.evaluate(drive(LANE_2_X, STRAIGHT, steps_after=3), ctx) != []


def test_all_red_needs_no_movement() -> None:
    found = red_light.evaluate(
        drive(LANE_2_X, STRAIGHT, steps_after=1), context(camera(), Light.red, Light.red)
    )
    assert [f.code for f in found] == ["RED_LIGHT"] and found[0].measured["movement"] is None


def test_region_shorthand_is_one_head_controlling_everything() -> None:
    data = load_camera_config(EXAMPLE).model_dump(mode="json")
    config = CameraConfig.model_validate(data)
    assert config.traffic_light is not None
    (head,) = config.traffic_light.signal_heads()
    assert head.box == (1760, 120, 1820, 300) and head.controls == list(Movement) and head.lanes == []
    ctx = RuleContext(config, signal(Light.red), {"signal": signal(Light.red)})
    found = red_light.evaluate(drive(LANE_2_X, RIGHT), ctx)
    assert [f.code for f in found] == ["RED_LIGHT"] and "movement" not in found[0].measured


def test_feed_with_heads_is_allowed_and_controls_every_movement() -> None:
    config = camera(feed_url="/tmp/controller.jsonl")
    ctx = RuleContext(config, signal(Light.red))  # heads are not read when a feed is given
    assert [f.code for f in red_light.evaluate(drive(LANE_2_X, RIGHT), ctx)] == ["RED_LIGHT"]


@pytest.mark.parametrize(
    ("light", "message"),
    [
        ({"region": [1760, 120, 1820, 300], "heads": HEADS}, "not both"),
        ({"heads": [{**HEADS[0], "lanes": ["lane-9"]}]}, "no lane named lane-9"),
        ({"heads": [{**HEADS[0], "box": [1900, 120, 1990, 300]}]}, "outside the 1920×1080 image"),
        ({"heads": [HEADS[0], HEADS[0]]}, "unique"),
        ({"heads": [{**HEADS[0], "box": [1820, 120, 1760, 300]}]}, "x1 < x2"),
        ({"heads": [{**HEADS[0], "controls": ["u-turn"]}]}, "controls"),
        (
            {"heads": [{**HEADS[0], "lamps": [{"colour": "blue", "centre": [1790, 150], "radius": 8}]}]},
            "colour",
        ),
        ({}, "give heads, region or feed_url"),
    ],
)
def test_bad_heads_are_rejected_with_the_field(tmp_path: Path, light: dict, message: str) -> None:
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["traffic_light"] = light
    path = tmp_path / "camera.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CameraConfigError, match=message):
        load_camera_config(path)


def with_junction_entry() -> CameraConfig:
    """The example camera with the crossing's far edge 60 px past the stop line (y=760)."""
    data = load_camera_config(EXAMPLE).model_dump(mode="json")
    data["lines"].append({"name": "far-edge", "kind": "junction_entry", "points": [[300, 700], [1700, 700]]})
    return CameraConfig.model_validate(data)


def timed(points: list[tuple[float, float]], x: float = LANE_2_X) -> Track:
    """(seconds, y) points of a vehicle driving up lane 2."""
    return Track(1, VehicleClass.motorbike, [TrackPoint(T0 + timedelta(seconds=t), x, y) for t, y in points])


RED_FROM = 5.0
SIGNAL = SignalTimeline([(T0, Light.green), (T0 + timedelta(seconds=RED_FROM), Light.red)])


@pytest.mark.parametrize(
    ("points", "expected_at"),
    [
        ([(6, 800), (7, 740), (8, 680)], 6.67),  # over the line on red and on into the junction
        ([(6, 800), (7, 740), (8, 730)], None),  # overran the line on red, stopped on the crossing
        ([(3, 800), (4, 740), (6, 740), (12, 740), (13, 680)], 12.67),  # waited on the crossing, went on red
        (
            [(6, 800), (7, 740), (12, 740), (13, 680)],
            6.67,
        ),  # over the line on red: judged there, however long
        ([(6, 740), (10, 740), (11, 680)], 10.67),  # waited over the line, entered on red
        ([(10, 740), (11, 680)], None),  # first seen just before the junction: a fragment
        ([(4, 800), (5.5, 680)], None),  # over the line on green, into the junction just after red: one go
        ([(6, 680), (7, 740), (8, 800)], None),  # coming the other way
    ],
)
def test_junction_entry_line(points, expected_at) -> None:
    found = red_light.evaluate(timed(points), RuleContext(with_junction_entry(), SIGNAL))
    if expected_at is None:
        assert found == []
    else:
        assert [f.code for f in found] == ["RED_LIGHT"]
        assert (found[0].at - T0).total_seconds() == pytest.approx(expected_at, abs=0.02)


@pytest.mark.parametrize(
    ("points", "caught"),
    [
        # first seen on the crossing, waited, then went on into the junction on red
        ([(6, 1200, 740), (7, 1200, 740), (12, 1200, 740), (13, 1210, 680)], True),
        # came onto the crossing from the side (another approach), waited, then on: not this approach's
        ([(6, 700, 740), (7, 900, 735), (12, 1100, 735), (13, 1150, 690)], False),
    ],
)
def test_already_over_the_line_must_go_on_along_the_approach(points, caught) -> None:
    track = Track(
        1, VehicleClass.motorbike, [TrackPoint(T0 + timedelta(seconds=t), x, y) for t, x, y in points]
    )
    found = red_light.evaluate(track, RuleContext(with_junction_entry(), SIGNAL))
    assert [f.code for f in found] == (["RED_LIGHT"] if caught else [])


def boxed(points: list[tuple[float, float]], height: float = 60.0) -> Track:
    """(seconds, y) points of a rider in lane 2 with its box (``height`` px tall)."""
    return Track(
        1,
        VehicleClass.motorbike,
        [
            TrackPoint(T0 + timedelta(seconds=t), LANE_2_X, y, (LANE_2_X - 20, y - height, LANE_2_X + 20, y))
            for t, y in points
        ],
    )


@pytest.mark.parametrize(
    ("points", "caught"),
    [
        # waiting in the queue at the line, then "seen" 250 px into the junction 1.1 s later: a switch
        ([(6.0, 790), (6.5, 791), (7.0, 790), (8.1, 540)], False),
        # the same jump from a rider creeping at 20 px/s
        ([(6.0, 810), (6.5, 800), (7.0, 790), (8.1, 540)], False),
        # lost for 1 s while riding at 100 px/s, then on at that speed: the crossing in the gap counts
        ([(6.0, 880), (6.5, 830), (7.0, 780), (8.0, 680), (8.2, 660), (8.4, 640)], True),
        # lost for 1 s just as it set off from the line (then on, a box height past it)
        ([(6.0, 790), (6.5, 790), (7.0, 790), (8.0, 720), (8.2, 690), (8.4, 660)], True),
        # an ordinary step (no gap) is questioned only as a jump of several box heights
        ([(6.0, 800), (6.2, 790), (6.4, 700)], True),
        ([(6.0, 790), (6.2, 790), (6.4, 520)], False),
        # across the line against the lane's direction (toward the camera)
        ([(6.0, 700), (6.2, 740), (6.4, 800)], False),
    ],
)
def test_a_crossing_over_a_gap_must_be_reachable(points, caught) -> None:
    found = red_light.evaluate(boxed(points), RuleContext(camera(), SIGNAL))
    assert [f.code for f in found] == (["RED_LIGHT"] if caught else [])


def boxed_xy(points: list[tuple[float, float, float]], height: float = 60.0) -> Track:
    """(seconds, x, y) points of a rider with its box (``height`` px tall)."""
    return Track(
        1,
        VehicleClass.motorbike,
        [TrackPoint(T0 + timedelta(seconds=t), x, y, (x - 20, y - height, x + 20, y)) for t, x, y in points],
    )


QUEUED = [(6.0, LANE_2_X, 790.0), (6.5, LANE_2_X, 788.0), (7.0, LANE_2_X, 786.0)]  # waiting at the line


@pytest.mark.parametrize(
    ("after_gap", "caught"),
    [
        # re-linked 1.2 s later 116 px ahead (within reach of a rider setting off), which then rides
        # across the junction at 150 px/s: the track switched from the queue onto cross traffic
        ([(8.2, LANE_2_X, 670.0), (8.4, LANE_2_X + 30, 672.0), (8.6, LANE_2_X + 60, 674.0)], False),
        # the same step, then on ahead at 150 px/s: it set off while unseen and ran the red
        ([(8.2, LANE_2_X, 670.0), (8.4, LANE_2_X, 640.0), (8.6, LANE_2_X, 610.0)], True),
        # the same step and the track ends: nothing after the gap vouches for it (benefit of the doubt)
        ([(8.2, LANE_2_X, 670.0)], False),
    ],
)
def test_a_crossing_over_a_gap_must_join_the_motion_on_both_sides(after_gap, caught) -> None:
    found = red_light.evaluate(boxed_xy(QUEUED + after_gap), RuleContext(camera(), SIGNAL))
    assert [f.code for f in found] == (["RED_LIGHT"] if caught else [])


def test_a_gap_is_judged_once_the_points_after_it_come_in() -> None:
    """Judged point by point, as the camera does: undecided right after the gap, decided later."""
    points = [*QUEUED, (8.2, LANE_2_X, 670.0), (8.4, LANE_2_X, 640.0), (8.6, LANE_2_X, 610.0)]
    track = boxed_xy(points[:4])
    ctx = RuleContext(camera(), SIGNAL)
    assert red_light.evaluate(track, ctx) == []
    track.points.extend(boxed_xy(points[4:]).points)
    assert [f.code for f in red_light.evaluate(track, ctx)] == ["RED_LIGHT"]


GIANG_VO = Path(__file__).resolve().parents[2] / "bench" / "cameras" / "hanoi-giang-vo-lang-ha.yaml"


def test_a_step_back_over_the_line_into_a_lane_that_ends_there_is_not_a_crossing() -> None:
    """Giang Vo's lane ends at the stop line (y ≈ 358 at x 440). A rider standing past the line, then
    the track switching onto a rider queued behind it (toward the camera, back into the lane) on red:
    not a runner (the lane is found on either side of the step, and the step is against it)."""
    past = [(6.0 + 0.16 * n, 440.0, 336.0, 38.0) for n in range(20)]
    behind = [(9.2 + 0.16 * n, 436.0, 413.0, 67.0) for n in range(10)]
    track = Track(
        1,
        VehicleClass.motorbike,
        [
            TrackPoint(T0 + timedelta(seconds=t), x, y, (x - 20, y - h, x + 20, y))
            for t, x, y, h in past + behind
        ],
    )
    ctx = RuleContext(load_camera_config(GIANG_VO), SIGNAL)
    found = []
    for n in range(2, len(track.points) + 1):
        found += red_light.evaluate(Track(1, VehicleClass.motorbike, track.points[:n]), ctx)
    assert found == []
