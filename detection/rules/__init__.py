"""Violation rules, one module each: pure functions over a track and the camera's context."""

from __future__ import annotations

from collections.abc import Callable

from detection.rules import lanes, no_stopping, red_light, solid_line, speeding
from detection.rules.base import Finding, RuleContext, Track

RULES: dict[str, Callable[[Track, RuleContext], list[Finding]]] = {
    "red_light": red_light.evaluate,
    "speeding": speeding.evaluate,
    "lanes": lanes.evaluate,
    "solid_line": solid_line.evaluate,
    "no_stopping": no_stopping.evaluate,
}


def evaluate_all(track: Track, ctx: RuleContext) -> list[Finding]:
    return [finding for rule in RULES.values() for finding in rule(track, ctx)]
