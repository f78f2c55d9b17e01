"""A signal head's state, read from which of its lamps is lit: by position and brightness, not hue.

Real cameras wash a red lamp to orange, show a green one as cyan and a dim red as magenta, so the
hue says little. What holds on every camera is that a head's lit lamp is much brighter than its own
unlit state and than the head's other lamps. Each lamp is a disc at a known place in the head (the
default layout: red, amber, green evenly along the longer side, red at the top or left; or the
lamps `tvp cameras calibrate-light` found in the camera's own footage, with their dark and lit
brightness). No lamp clearly lit is ``unknown`` (a dark head between green and red is not amber).
A countdown display beside the head is not a lamp and is never looked at.

The state changes only after it has been seen on ``confirm`` consecutive readings, so one odd frame
(a reflection, a flash) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from detection.camera_config import Box, LampColour, LampConfig
from detection.rules.base import Light, SignalTimeline

# Brightness is 0..255 (the brightest channel: a clipped white core counts as bright, whatever its hue).
MIN_CONTRAST = 40.0  # a lit lamp is at least this much brighter than the head's brightest other lamp
LIT_SHARE = 0.5  # of its calibrated dark → lit span, or of its unlit neighbours' brightness
STAND_OUT = 0.35  # calibrated: the lit lamp is this much further towards lit than any other lamp
BRIGHT_QUANTILE = 90  # of the disc's pixels: robust to the dark rim and to a few hot pixels


@dataclass(frozen=True)
class Lamp:
    colour: LampColour
    centre: tuple[float, float]
    radius: float
    dark: float | None = None  # calibrated brightness when unlit
    lit: float | None = None  # calibrated brightness when lit

    @classmethod
    def of(cls, config: LampConfig) -> Lamp:
        return cls(config.colour, config.centre, config.radius, config.dark, config.lit)

    def config(self) -> LampConfig:
        return LampConfig(
            colour=self.colour, centre=self.centre, radius=self.radius, dark=self.dark, lit=self.lit
        )


def default_lamps(box: Box) -> list[Lamp]:
    """Red, amber, green in equal cells along the head's longer side (red at the top, or left)."""
    x1, y1, x2, y2 = box
    width, height = x2 - x1, y2 - y1
    vertical = height >= width
    cell = (height if vertical else width) / 3
    radius = max(1.5, min(0.3 * cell, 0.35 * (width if vertical else height)))
    lamps = []
    for i, colour in enumerate((LampColour.red, LampColour.amber, LampColour.green)):
        along = (i + 0.5) * cell
        centre = ((x1 + x2) / 2, y1 + along) if vertical else (x1 + along, (y1 + y2) / 2)
        lamps.append(Lamp(colour, centre, radius))
    return lamps


def brightness(frame: np.ndarray, lamp: Lamp) -> float:
    """How bright the lamp's disc is: a high quantile of its pixels' brightest channel."""
    cx, cy = lamp.centre
    r = lamp.radius
    x1, y1 = max(0, int(np.floor(cx - r))), max(0, int(np.floor(cy - r)))
    x2, y2 = min(frame.shape[1], int(np.ceil(cx + r)) + 1), min(frame.shape[0], int(np.ceil(cy + r)) + 1)
    if x2 <= x1 or y2 <= y1:
        return 0.0
    patch = frame[y1:y2, x1:x2]
    value = patch.max(axis=2) if patch.ndim == 3 else patch
    ys, xs = np.mgrid[y1:y2, x1:x2]
    disc = (xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2 <= r * r + 0.5
    pixels = value[disc] if disc.any() else value.ravel()
    return float(np.percentile(pixels, BRIGHT_QUANTILE))


def lit_lamp(levels: Sequence[float], lamps: Sequence[Lamp]) -> int | None:
    """Index of the lamp that is lit, or None.

    Calibrated lamps (their dark level known) are compared on their own scale: how far each is from
    its dark level towards its lit level; the lit one is past half way and clearly further than any
    other lamp. Without calibration the lit lamp must be much brighter than the head's other lamps.
    """
    if all(lamp.dark is not None for lamp in lamps):
        scaled = [_scaled(level, lamp) for level, lamp in zip(levels, lamps, strict=True)]
        return _standing_out(scaled, LIT_SHARE, STAND_OUT)
    best: tuple[float, int] | None = None
    for i, level in enumerate(levels):
        neighbour = max((v for j, v in enumerate(levels) if j != i), default=0.0)
        stand_out = level - neighbour
        if stand_out >= max(MIN_CONTRAST, LIT_SHARE * neighbour) and (best is None or stand_out > best[0]):
            best = (stand_out, i)
    return None if best is None else best[1]


def _scaled(level: float, lamp: Lamp) -> float:
    """0 at the lamp's dark level, 1 at its lit level (not known: MIN_CONTRAST / LIT_SHARE above dark;
    a span under MIN_CONTRAST is noise, not a lamp going on)."""
    dark = lamp.dark or 0.0
    span = lamp.lit - dark if lamp.lit is not None else MIN_CONTRAST / LIT_SHARE
    return (level - dark) / max(span, MIN_CONTRAST)


def _standing_out(scaled: Sequence[float], floor: float, margin: float) -> int | None:
    order = sorted(range(len(scaled)), key=lambda i: scaled[i], reverse=True)
    top = order[0]
    second = scaled[order[1]] if len(order) > 1 else 0.0
    return top if scaled[top] >= floor and scaled[top] - second >= margin else None


def read_head(frame: np.ndarray, lamps: Sequence[Lamp]) -> Light:
    """The state a head shows in a BGR frame (``unknown`` when no lamp is clearly lit)."""
    if not lamps or frame.size == 0:
        return Light.unknown
    i = lit_lamp([brightness(frame, lamp) for lamp in lamps], lamps)
    return Light.unknown if i is None else Light(lamps[i].colour.value)


def read_light(region: np.ndarray) -> Light:
    """The state of a head that fills the whole crop, in the default layout."""
    if region.size == 0:
        return Light.unknown
    return read_head(region, default_lamps((0, 0, region.shape[1], region.shape[0])))


class LightReader:
    """Builds the signal timeline of one signal head from its frames."""

    def __init__(self, region: Box, *, confirm: int = 2, lamps: Iterable[Lamp] = ()):
        self.region = region
        self.lamps = list(lamps) or default_lamps(region)
        self.confirm = confirm
        self.timeline = SignalTimeline([])
        self._seen: Light | None = None
        self._seen_since: datetime | None = None
        self._streak = 0

    @property
    def state(self) -> Light:
        return self.timeline.changes[-1][1] if self.timeline.changes else Light.unknown

    def update(self, t: datetime, frame: np.ndarray) -> Light:
        seen = read_head(frame, self.lamps)
        if seen != self._seen:
            self._seen, self._seen_since, self._streak = seen, t, 0
        self._streak += 1
        if self._streak >= self.confirm and seen != self.state and self._seen_since is not None:
            # The change happened when it was first seen, not when it was confirmed.
            self.timeline.add(self._seen_since, seen)
        return self.state

    def restore(self, changes: list[tuple[datetime, Light]]) -> None:
        for t, light in changes:
            self.timeline.add(t, light)
