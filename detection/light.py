"""The traffic light's state, read from the colour of its region in the camera image.

A lamp that is on is bright and saturated; its hue says which one. The state changes only after it has
been seen on ``confirm`` consecutive readings, so one odd frame (a reflection, a flash) changes nothing.
"""

from __future__ import annotations

from datetime import datetime

import cv2
import numpy as np

from detection.rules.base import Light, SignalTimeline

# OpenCV hue is 0..179. Red wraps around 0.
HUES: dict[Light, tuple[tuple[int, int], ...]] = {
    Light.red: ((0, 8), (165, 179)),
    Light.amber: ((12, 32),),
    Light.green: ((45, 95),),
}
MIN_LIT_FRACTION = 0.02  # of the region's pixels


def read_light(region: np.ndarray) -> Light:
    """The lit lamp in a BGR crop of the signal head, or ``unknown`` when none is clearly lit."""
    if region.size == 0:
        return Light.unknown
    hsv = cv2.cvtColor(region, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    lit = (sat >= 100) & (val >= 150)
    counts = {
        light: int(np.count_nonzero(lit & np.logical_or.reduce([(hue >= a) & (hue <= b) for a, b in ranges])))
        for light, ranges in HUES.items()
    }
    best = max(counts, key=lambda k: counts[k])
    if counts[best] < MIN_LIT_FRACTION * hue.size:
        return Light.unknown
    return best


class LightReader:
    """Builds the signal timeline of one camera from its frames."""

    def __init__(self, region: tuple[int, int, int, int], *, confirm: int = 2):
        self.region = region
        self.confirm = confirm
        self.timeline = SignalTimeline([])
        self._seen: Light | None = None
        self._seen_since: datetime | None = None
        self._streak = 0

    @property
    def state(self) -> Light:
        return self.timeline.changes[-1][1] if self.timeline.changes else Light.unknown

    def update(self, t: datetime, frame: np.ndarray) -> Light:
        x1, y1, x2, y2 = self.region
        seen = read_light(frame[y1:y2, x1:x2])
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
