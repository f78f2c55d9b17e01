"""What every violation rule works on: tracks (a vehicle's anchor point over time), the camera's
configuration, and the signal timeline. Rules are pure functions: track + context → findings.

The camera loop judges a live track again on every frame that extends it, so what a rule derives from
the points (the anchor array, which points lie in a polygon, where the path first crosses a line) is
kept on the track and extended by the new points only: a call costs the new points, not the whole
track (a queue waiting at a red light would otherwise make the loop quadratic). A track's points are
only ever appended to; replacing the list, or removing points, starts the derived data afresh.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable
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
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _derived_from: tuple[int, int, TrackPoint | None] = field(
        default=(0, 0, None), init=False, repr=False, compare=False
    )

    def seconds(self) -> np.ndarray:
        t0 = self.points[0].t
        return np.array([(p.t - t0).total_seconds() for p in self.points])

    def xy(self) -> np.ndarray:
        """The anchors, (n, 2), read-only."""
        if not self.points:
            return np.zeros((0, 2), np.float64)
        rows: _Rows = self.derived("xy", _Rows)
        if rows.n < len(self.points):
            rows.append(np.array([[p.x, p.y] for p in self.points[rows.n :]], np.float64))
        view = rows.rows
        view.flags.writeable = False
        return view

    def where(self, key: Hashable, test: Callable[[TrackPoint], bool]) -> list[int]:
        """Indices of the points that pass ``test``, remembered under ``key`` (the test must depend on
        the point alone, e.g. "inside this polygon"). Do not modify the list."""
        state = self.derived(("where", key), lambda: [0, []])  # points checked, those passing
        found: list[int] = state[1]
        found.extend(i for i in range(state[0], len(self.points)) if test(self.points[i]))
        state[0] = len(self.points)
        return found

    def first_crossing(self, line: list[tuple[float, float]]) -> tuple[int, float] | None:
        """``crossing(self.xy(), line)``, checking only the steps added since the last call."""
        key = ("crossing", tuple(tuple(map(float, p)) for p in line))
        state = self.derived(key, lambda: [0, None])  # steps checked, the hit
        if state[1] is None and len(self.points) - 1 > state[0]:
            path = self.xy()
            hit = crossing(path[state[0] :], line)
            state[1] = None if hit is None else (state[0] + hit[0], hit[1])
            state[0] = len(self.points) - 1
        hit_at: tuple[int, float] | None = state[1]
        return hit_at

    def derived(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """What a rule keeps to resume a scan of the points where it stopped (made by ``make`` the
        first time, and again whenever the points changed other than by appending)."""
        self._check_derived()
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def _check_derived(self) -> None:
        """Forget the derived data if the points changed other than by appending."""
        list_id, n, last = self._derived_from
        if list_id != id(self.points) or len(self.points) < n or (n and self.points[n - 1] is not last):
            self._derived.clear()
        n = len(self.points)
        self._derived_from = (id(self.points), n, self.points[-1] if n else None)

    def __getstate__(self) -> dict[str, Any]:
        # Checkpoints keep the points only; the derived data is rebuilt on the next call.
        state = dict(self.__dict__)
        state["_derived"], state["_derived_from"] = {}, (0, 0, None)
        return state


class _Rows:
    """A growing array: appending n rows costs n (amortised), not the rows already there."""

    def __init__(self) -> None:
        self._data: np.ndarray | None = None
        self.n = 0

    @property
    def rows(self) -> np.ndarray:
        assert self._data is not None
        return self._data[: self.n]

    def append(self, new: np.ndarray) -> None:
        if self._data is None:
            self._data = np.empty((max(64, 2 * len(new)), *new.shape[1:]), new.dtype)
        elif self.n + len(new) > len(self._data):
            grown = np.empty((max(2 * len(self._data), self.n + len(new)), *new.shape[1:]), new.dtype)
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n : self.n + len(new)] = new
        self.n += len(new)


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
