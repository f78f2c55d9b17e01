"""Speeding: ground speed from the calibrated homography over the track, against the class limit."""

from __future__ import annotations

import cv2
import numpy as np

from detection.rules.base import Finding, RuleContext, Track
from detection.vehicles import FineCategory, VehicleClass

MIN_POINTS = 5
MIN_SECONDS = 0.5
MAX_RESIDUAL_M = 0.6  # RMS distance from a straight constant-speed fit: more is a jittery track
TOLERANCE_KMH = 0.0


def speed_kmh(track: Track, homography: np.ndarray) -> tuple[float, float] | None:
    """(speed, fit residual in metres) from a least-squares constant-velocity fit; None if unusable."""
    if len(track.points) < MIN_POINTS:
        return None
    t = track.seconds()
    if t[-1] - t[0] < MIN_SECONDS:
        return None
    road = cv2.perspectiveTransform(track.xy().reshape(-1, 1, 2), homography).reshape(-1, 2)
    design = np.stack([t, np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(design, road, rcond=None)
    residual = float(np.sqrt(np.mean(np.sum((design @ coef - road) ** 2, axis=1))))
    velocity = coef[0]
    return float(np.hypot(*velocity) * 3.6), residual


def code_for(excess: float, vehicle_class: VehicleClass) -> str | None:
    """The decree's speeding band; motorbikes have one top band (over 20 km/h), cars two."""
    if excess < 5:
        return None
    if vehicle_class.fine_category is FineCategory.motorbike:
        return "SPEED_05_10" if excess < 10 else "SPEED_10_20" if excess <= 20 else "SPEED_GT20"
    if excess < 10:
        return "SPEED_05_10"
    return "SPEED_10_20" if excess <= 20 else "SPEED_20_35" if excess <= 35 else "SPEED_GT35"


def evaluate(track: Track, ctx: RuleContext) -> list[Finding]:
    h = ctx.homography()
    measured = None if h is None else speed_kmh(track, h)
    if measured is None:
        return []
    speed, residual = measured
    if residual > MAX_RESIDUAL_M:
        return []
    limit = ctx.config.speed_limit(track.vehicle_class)
    code = code_for(speed - limit - TOLERANCE_KMH, track.vehicle_class)
    if code is None:
        return []
    return [
        Finding(
            code,
            track.track_id,
            track.points[-1].t,
            {"speed_kmh": round(speed, 1), "limit_kmh": limit, "fit_residual_m": round(residual, 3)},
        )
    ]
