"""Red light: the vehicle's anchor crosses the stop line while the light is red."""

from __future__ import annotations

from datetime import timedelta

from detection.camera_config import LineKind
from detection.rules.base import Finding, Light, RuleContext, Track, crossing

GRACE_S = 0.0  # a vehicle already over the line when the light turns red is not in violation


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    if ctx.signal is None or len(track.points) < 2:
        return []
    path = track.xy()
    for line in (ln for ln in ctx.config.lines if ln.kind is LineKind.stop_line):
        hit = crossing(path, line.points)
        if hit is None:
            continue
        i, frac = hit
        a, b = track.points[i].t, track.points[i + 1].t
        at = a + timedelta(seconds=(b - a).total_seconds() * frac)
        state, since = ctx.signal.state_at(at)
        if state is Light.red and since is not None:
            into_red = (at - since).total_seconds()
            if into_red > GRACE_S:
                return [
                    Finding(
                        "RED_LIGHT",
                        track.track_id,
                        at,
                        {"time_into_red_s": round(into_red, 2), "stop_line": line.name},
                    )
                ]
    return []
