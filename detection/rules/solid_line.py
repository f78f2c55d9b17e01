"""Crossing a solid lane line."""

from __future__ import annotations

from detection.camera_config import LineKind
from detection.rules.base import Finding, RuleContext, Track


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    for line in (ln for ln in ctx.config.lines if ln.kind is LineKind.solid):
        hit = track.first_crossing(line.points)
        if hit is not None:
            return [
                Finding(
                    "ROAD_MARKING_SOLID_LINE", track.track_id, track.points[hit[0] + 1].t, {"line": line.name}
                )
            ]
    return []
