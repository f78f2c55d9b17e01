"""The signal state read from the colour of the light's region."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from detection.footage import LIGHT_REGION, draw_light
from detection.light import LightReader, read_light
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
