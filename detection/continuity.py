"""Re-association of a track the tracker lost and restarted under a new id.

At a low frame rate (or after a few missed detections) a vehicle that moves far between processed frames
no longer overlaps its last box, so the tracker ends its track and starts a new one: a stop-line crossing
in the gap would belong to neither. A new track that starts where an unseen track's motion says that
vehicle should be now continues that track instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Trail:
    """An unseen track: its last anchor points (t seconds, x, y), oldest first, and last box."""

    track_id: int
    points: list[tuple[float, float, float]]
    box: Box


@dataclass(frozen=True)
class Newcomer:
    track_id: int
    t: float
    anchor: tuple[float, float]
    box: Box


def predicted(trail: Trail, t: float, max_speed: float) -> tuple[float, float]:
    """Where the trail's anchor should be at ``t``: constant velocity over its last second, capped."""
    t1, x1, y1 = trail.points[-1]
    recent = [p for p in trail.points if t1 - p[0] <= 1.0]
    t0, x0, y0 = recent[0]
    if t1 - t0 <= 0:
        return x1, y1
    v = np.array([x1 - x0, y1 - y0]) / (t1 - t0)
    speed = float(np.hypot(*v))
    if speed > max_speed:
        v *= max_speed / speed
    return x1 + float(v[0]) * (t - t1), y1 + float(v[1]) * (t - t1)


def reassociate(
    newcomers: list[Newcomer],
    trails: list[Trail],
    *,
    gate: float = 0.8,
    surprise: float = 2.5,
    max_speed: float = 400.0,
) -> dict[int, int]:
    """{new track id: old track id} for the newcomers that continue an unseen trail, one to one, nearest
    first. A match must come after the trail's last point, have a similar size, and lie near the
    predicted anchor: within (``gate`` + ``surprise`` × seconds unseen) × the trail's box size, since a
    rider who crept up to the line may have sped off while unseen. ``max_speed``: px/s cap on the
    prediction."""
    pairs: list[tuple[float, int, int]] = []
    for n in newcomers:
        for trail in trails:
            if not trail.points or n.t <= trail.points[-1][0]:
                continue
            tw, th = trail.box[2] - trail.box[0], trail.box[3] - trail.box[1]
            nw, nh = n.box[2] - n.box[0], n.box[3] - n.box[1]
            if not (0.5 <= (nw * nh) / max(tw * th, 1.0) <= 2.0):
                continue
            px, py = predicted(trail, n.t, max_speed)
            distance = float(np.hypot(n.anchor[0] - px, n.anchor[1] - py))
            unseen = n.t - trail.points[-1][0]
            if distance <= (gate + surprise * unseen) * max(tw, th):
                pairs.append((distance, n.track_id, trail.track_id))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, new, old in sorted(pairs):
        if new not in out and old not in used:
            out[new] = old
            used.add(old)
    return out
