"""What every violation rule works on: tracks (a vehicle's anchor point over time), the camera's
configuration, and the signal timeline. Rules are pure functions: track + context → findings."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

import cv2
import numpy as np

from detection.camera_config import CameraConfig
from detection.vehicles import VehicleClass


@dataclass(frozen=True)
class TrackPoint:
    t: datetime  # capture time, timezone-aware
    x: float  # anchor: bottom centre of the vehicle box, image pixels
    y: float
    box: tuple[float, float, float, float] | None = None  # the vehicle box (x1, y1, x2, y2), when known


@dataclass
class Track:
    track_id: int
    vehicle_class: VehicleClass
    points: list[TrackPoint] = field(default_factory=list)
    plate: str | None = None

    def seconds(self) -> np.ndarray:
        t0 = self.points[0].t
        return np.array([(p.t - t0).total_seconds() for p in self.points])

    def xy(self) -> np.ndarray:
        return np.array([[p.x, p.y] for p in self.points], np.float64)


class Light(StrEnum):
    red = "red"
    amber = "amber"
    green = "green"
    unknown = "unknown"


class SignalTimeline:
    """The light's state over time (from the light region's colour, or a controller feed)."""

    def __init__(self, changes: list[tuple[datetime, Light]]):
        self.changes = sorted(changes)
        self._times = [t for t, _ in self.changes]

    def state_at(self, t: datetime) -> tuple[Light, datetime | None]:
        """The state at ``t`` and when that state began."""
        i = bisect.bisect_right(self._times, t) - 1
        if i < 0:
            return Light.unknown, None
        return self.changes[i][1], self.changes[i][0]

    def add(self, t: datetime, light: Light) -> None:
        i = bisect.bisect_right(self._times, t)
        self._times.insert(i, t)
        self.changes.insert(i, (t, light))

    def since(self, t: datetime) -> list[tuple[datetime, Light]]:
        """The changes from the state in force at ``t`` onwards (what a resumed run needs)."""
        i = max(0, bisect.bisect_right(self._times, t) - 1)
        return self.changes[i:]


@dataclass(frozen=True)
class Finding:
    code: str  # a violation_code of fines_decree_168_2024.csv
    track_id: int
    at: datetime
    measured: dict[str, Any]


@dataclass
class RuleContext:
    config: CameraConfig
    signal: SignalTimeline | None = None  # the controller feed's, or the first signal head's
    heads: dict[str, SignalTimeline] = field(default_factory=dict)  # per signal head read from the image

    def homography(self) -> np.ndarray | None:
        cal = self.config.calibration
        if cal is None:
            return None
        return cv2.getPerspectiveTransform(
            np.array(cal.image_points, np.float32), np.array(cal.road_points_m, np.float32)
        )


def crossing(path: np.ndarray, line: list[tuple[float, float]]) -> tuple[int, float] | None:
    """First step i where the path segment (i → i+1) crosses the polyline, with the fraction along it."""
    for i in range(len(path) - 1):
        p, r = path[i], path[i + 1] - path[i]
        for a, b in pairwise(line):
            q, s = np.array(a), np.array(b) - np.array(a)
            denom = r[0] * s[1] - r[1] * s[0]
            if abs(denom) < 1e-12:
                continue
            u = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / denom
            v = ((q - p)[0] * r[1] - (q - p)[1] * r[0]) / denom
            if 0 <= u <= 1 and 0 <= v <= 1:
                return i, float(u)
    return None


EDGE_PX = 2  # a box this close to the frame's left, right or bottom edge is cut by it


def cut_by_frame(p: TrackPoint, width: int, height: int) -> bool:
    """The vehicle is partly out of the image: its box's bottom centre is not where it touches the road."""
    if p.box is None:
        return False
    x1, _, x2, y2 = p.box
    return x1 <= EDGE_PX or x2 >= width - 1 - EDGE_PX or y2 >= height - 1 - EDGE_PX


def inside(polygon: list[tuple[float, float]], x: float, y: float) -> bool:
    return cv2.pointPolygonTest(np.array(polygon, np.float32), (float(x), float(y)), False) >= 0
