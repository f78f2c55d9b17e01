"""Stopping in a no-stopping zone beyond its dwell limit."""

from __future__ import annotations

import numpy as np

from detection.camera_config import ZoneKind
from detection.rules.base import Finding, RuleContext, Track, inside

STILL_PX = 12.0  # the anchor stays within this radius while stopped


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    for zone in (z for z in ctx.config.zones if z.kind is ZoneKind.no_stopping):
        start = None
        for i, p in enumerate(track.points):
            if not inside(zone.polygon, p.x, p.y):
                start = None
                continue
            if start is None or np.hypot(p.x - track.points[start].x, p.y - track.points[start].y) > STILL_PX:
                start = i
                continue
            dwell = (p.t - track.points[start].t).total_seconds()
            assert zone.dwell_limit_s is not None
            if dwell > zone.dwell_limit_s:
                return [
                    Finding(
                        "STOP_ILLEGAL",
                        track.track_id,
                        p.t,
                        {"zone": zone.name, "dwell_s": round(dwell, 1), "limit_s": zone.dwell_limit_s},
                    )
                ]
    return []
