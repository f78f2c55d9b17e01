"""Lane rules: wrong way (against the lane's direction) and a vehicle class not allowed in the lane."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from detection.rules.base import Finding, RuleContext, Track, TrackPoint, cut_by_frame, inside

MIN_TRAVEL_PX = 40.0
MIN_POINTS_IN_LANE = 5
AGAINST_COSINE = -0.5  # more than 120° from the allowed direction
MAX_JUMP_SHARE = 0.5  # of the travel against the lane, in a single step


def _one_jump(pts: np.ndarray, allowed: np.ndarray) -> bool:
    """Most of the travel against the lane happened in one step: in a dense queue that is the tracker
    swapping riders (a box jumping to the next rider), not a vehicle riding the wrong way."""
    against = -(np.diff(pts, axis=0) @ (allowed / np.hypot(*allowed)))
    total = float(against.sum())
    return total <= 0 or float(against.max()) > MAX_JUMP_SHARE * total


def _in_lane(polygon: list[tuple[float, float]], ctx: RuleContext) -> Callable[[TrackPoint], bool]:
    width, height = ctx.config.camera.resolution
    return lambda p: inside(polygon, p.x, p.y) and not cut_by_frame(p, width, height)


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    findings: list[Finding] = []
    for lane in ctx.config.lanes:
        # A box cut by the frame's edge grows or shrinks there: its anchor moves without the vehicle.
        key = ("lane", tuple(map(tuple, lane.polygon)), ctx.config.camera.resolution)
        idx = track.where(key, _in_lane(lane.polygon, ctx))
        if len(idx) < MIN_POINTS_IN_LANE:
            continue
        pts = track.xy()[idx]
        travel = pts[-1] - pts[0]
        distance = float(np.hypot(*travel))
        if distance >= MIN_TRAVEL_PX:
            allowed = np.array(lane.direction, float)
            cosine = float(travel @ allowed / (distance * np.hypot(*allowed)))
            if cosine <= AGAINST_COSINE and not _one_jump(pts, allowed):
                findings.append(
                    Finding(
                        "WRONG_WAY",
                        track.track_id,
                        track.points[idx[-1]].t,
                        {"lane": lane.name, "direction_cosine": round(cosine, 3)},
                    )
                )
        if track.vehicle_class not in lane.allowed_classes:
            findings.append(
                Finding(
                    "WRONG_LANE",
                    track.track_id,
                    track.points[idx[len(idx) // 2]].t,
                    {
                        "lane": lane.name,
                        "vehicle_class": track.vehicle_class,
                        "allowed": list(lane.allowed_classes),
                    },
                )
            )
    return findings
