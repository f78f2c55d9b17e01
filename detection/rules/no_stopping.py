"""Stopping in a no-stopping zone beyond its dwell limit."""

from __future__ import annotations

import numpy as np

from detection.camera_config import ZoneConfig, ZoneKind
from detection.rules.base import Finding, RuleContext, Track, inside

STILL_PX = 12.0  # the anchor stays within this radius while stopped


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    for zone in (z for z in ctx.config.zones if z.kind is ZoneKind.no_stopping):
        found = _scan(track, zone)
        if found is not None:
            return [found]
    return []


def _scan(track: Track, zone: ZoneConfig) -> Finding | None:
    """The first point that has stood still in the zone beyond its limit; the scan resumes where the
    previous call on this track stopped (see Track.derived)."""
    key = ("no_stopping", zone.name, tuple(map(tuple, zone.polygon)), zone.dwell_limit_s)
    scan = track.derived(key, lambda: {"next": 0, "start": None, "found": None})
    start = scan["start"]
    for i in range(scan["next"], len(track.points)):
        if scan["found"] is not None:
            break
        p = track.points[i]
        if not inside(zone.polygon, p.x, p.y):
            start = None
            continue
        if start is None or np.hypot(p.x - track.points[start].x, p.y - track.points[start].y) > STILL_PX:
            start = i
            continue
        dwell = (p.t - track.points[start].t).total_seconds()
        assert zone.dwell_limit_s is not None
        if dwell > zone.dwell_limit_s:
            scan["found"] = Finding(
                "STOP_ILLEGAL",
                track.track_id,
                p.t,
                {"zone": zone.name, "dwell_s": round(dwell, 1), "limit_s": zone.dwell_limit_s},
            )
    scan["next"], scan["start"] = len(track.points), start
    found: Finding | None = scan["found"]
    return found
