"""The signal state: which lamp of the head is lit, by position and brightness."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from detection.footage import LIGHT_REGION, draw_light
from detection.light import LightReader, default_lamps, read_head, read_light
from detection.light_calibration import calibrate_head
from detection.rules.base import Light

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def head(state: str) -> np.ndarray:
    frame = np.full((400, 1920, 3), 120, np.uint8)
    draw_light(frame, state)
    x1, y1, x2, y2 = LIGHT_REGION
    return frame[y1:y2, x1:x2]


@pytest.mark.parametrize(
    ("state", "expected"),
    [("red", Light.red), ("amber", Light.amber), ("green", Light.green), ("off", Light.unknown)],
)
def test_lit_lamp_is_read_by_colour(state: str, expected: Light) -> None:
    assert read_light(head(state)) is expected


def test_dark_or_empty_region_is_unknown() -> None:
    assert read_light(np.zeros((60, 30, 3), np.uint8)) is Light.unknown
    assert read_light(np.zeros((0, 0, 3), np.uint8)) is Light.unknown
    grey = np.full((60, 30, 3), 200, np.uint8)  # bright but unsaturated: daylight on a dark head
    assert read_light(grey) is Light.unknown


def full(state: str) -> np.ndarray:
    frame = np.full((400, 1920, 3), 120, np.uint8)
    draw_light(frame, state)
    return frame


def test_change_needs_confirmation_and_is_dated_when_first_seen() -> None:
    reader = LightReader(LIGHT_REGION, confirm=2)
    t = [T0 + timedelta(seconds=i * 0.1) for i in range(8)]
    reader.update(t[0], full("green"))
    assert reader.state is Light.unknown
    reader.update(t[1], full("green"))
    assert reader.state is Light.green
    reader.update(t[2], full("red"))  # one odd frame changes nothing
    reader.update(t[3], full("green"))
    assert reader.state is Light.green
    reader.update(t[4], full("red"))
    reader.update(t[5], full("red"))
    assert reader.state is Light.red
    assert reader.timeline.state_at(t[4] + timedelta(milliseconds=1)) == (Light.red, t[4])
    assert reader.timeline.state_at(t[3]) == (Light.green, t[0])
    assert reader.timeline.since(t[5]) == [(t[4], Light.red)]


BOX = (0, 0, 20, 60)  # a vertical head: lamps at y 10, 30, 50
UNLIT = (30, 25, 25)


def painted(lit: dict[int, tuple[int, int, int]], housing: int = 20) -> np.ndarray:
    """A 20×60 head; ``lit`` maps lamp index (0 top) to its BGR colour, the others stay UNLIT."""
    frame = np.full((60, 20, 3), housing, np.uint8)
    for i in range(3):
        cv2.circle(frame, (10, 10 + 20 * i), 5, lit.get(i, UNLIT), -1)
    return frame


@pytest.mark.parametrize(
    ("lit", "expected"),
    [
        ({0: (60, 90, 230)}, Light.red),  # red washed to orange still reads red: it is the top lamp
        ({0: (120, 60, 125)}, Light.red),  # dim magenta red, V≈125
        ({0: (245, 250, 255)}, Light.red),  # a core clipped to white
        ({2: (150, 160, 6)}, Light.green),  # cyan green
        ({1: (20, 110, 200)}, Light.amber),
        ({}, Light.unknown),  # a dark head between green and red is no state, not amber
        ({0: (60, 60, 60)}, Light.unknown),  # a little brighter is not lit
    ],
)
def test_lit_lamp_by_position_and_brightness(lit: dict, expected: Light) -> None:
    assert read_head(painted(lit), default_lamps(BOX)) is expected


def test_countdown_beside_the_head_is_not_a_lamp() -> None:
    frame = np.zeros((60, 50, 3), np.uint8)
    frame[:, :20] = painted({2: (150, 160, 6)})
    cv2.putText(frame, "9", (26, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 255), 2)  # red digits
    assert read_head(frame, default_lamps(BOX)) is Light.green


def test_calibrated_lamps_are_judged_against_their_own_dark_state() -> None:
    # A visor catches the sky over the top lamp: unlit it is as bright as the dim green lit.
    frame = painted({2: (110, 115, 5)})
    cv2.circle(frame, (10, 10), 5, (100, 100, 100), -1)
    lamps = default_lamps(BOX)
    assert read_head(frame, lamps) is Light.unknown  # against each other: nothing stands out
    calibrated = [
        replace(lamps[0], dark=100, lit=170),
        replace(lamps[1], dark=25),
        replace(lamps[2], dark=30, lit=115),
    ]
    assert read_head(frame, calibrated) is Light.green


def test_calibration_learns_lamps_from_footage() -> None:
    frames = [painted({0: (40, 40, 230)})] * 30 + [painted({})] * 5 + [painted({2: (150, 160, 6)})] * 30
    lamps = calibrate_head(frames, BOX)
    assert [str(lamp.colour) for lamp in lamps] == ["red", "amber", "green"]
    for lamp, y in zip(lamps, (10, 30, 50), strict=True):
        assert abs(lamp.centre[0] - 10.5) <= 1 and abs(lamp.centre[1] - y) <= 1.5
    assert lamps[0].lit == pytest.approx(230, abs=2) and lamps[0].dark == pytest.approx(30, abs=2)
    assert lamps[1].lit is None  # never lit: placed between the others
    with pytest.raises(ValueError, match="at least"):
        calibrate_head(frames[:5], BOX)
