"""Speeding: ground speed from the calibrated homography over the track, against the class limit.

The track's anchor (bottom centre of the box) is mapped onto the road and fitted with a constant
acceleration; the speed is the fit's velocity at the middle of the track (its mean speed). Whether the fit
is trusted is judged relative to the vehicle's box: a detector's box edges jitter in proportion to the
box's size, and one pixel covers more road the farther the vehicle is, so a fixed tolerance in metres
rejects big or distant vehicles whose speed is well measured. Each point's residual is taken back to
image pixels (through the homography's local scale at that point) and divided by the box's width (across)
and height (along the road); the fit is weighted the same way, so far points, where a pixel is many
centimetres, count for less. A real vehicle's speed drifts over seconds (and a calibration's small error
looks like one), which a constant-velocity fit would count as jitter. Boxes cut by the frame's edge are
left out (their bottom is not the vehicle's) and a few outlying points are dropped; a track that needs
more dropped, or whose points still stray, is erratic and not measured, and neither is one whose speed
is still uncertain (its standard error, from the residuals: short, sparse or far tracks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from detection.rules.base import Finding, RuleContext, Track, TrackPoint, cut_by_frame
from detection.vehicles import FineCategory, VehicleClass

MIN_POINTS = 5
MIN_SECONDS = 0.5
MAX_JITTER = 0.1  # RMS residual, as a fraction of the box (height along the road, width across)
OUTLIER_JITTER = 0.25  # a point this far off (same unit), and 3× the median, is an outlier
MAX_DROPPED = 0.2  # more outliers than this share of the points: an erratic track
MAX_SPEED_SE_KMH = 2.0  # a fit this uncertain (short track, few points) does not judge a fine
MAX_RESIDUAL_M = 0.6  # tracks without boxes (hand-made ones): RMS metres from the fit
TOLERANCE_KMH = 0.0


@dataclass(frozen=True)
class SpeedFit:
    speed_kmh: float  # mean speed over the track
    residual_m: float  # RMS distance of the kept points from the fit, on the road
    jitter: float | None  # RMS residual relative to the box size; None for tracks without boxes
    points: int  # kept
    dropped: int  # outliers and boxes cut by the frame edge
    accepted: bool
    method: str
    speed_change_kmh: float = 0.0  # from the track's start to its end, by the fit
    speed_se_kmh: float = 0.0  # the speed's standard error, from the fit's residuals

    def summary(self) -> dict[str, Any]:
        return {
            "speed_kmh": round(self.speed_kmh, 2),
            "residual_m": round(self.residual_m, 3),
            "jitter": None if self.jitter is None else round(self.jitter, 4),
            "points": self.points,
            "dropped": self.dropped,
            "method": self.method,
            "speed_change_kmh": round(self.speed_change_kmh, 2),
            "speed_se_kmh": round(self.speed_se_kmh, 2),
        }


def describe() -> dict[str, Any]:
    """The tolerances in force (recorded with benches and findings)."""
    return {
        "method": "box-relative weighted constant-acceleration fit of the bottom centre",
        "max_jitter_box": MAX_JITTER,
        "outlier_jitter_box": OUTLIER_JITTER,
        "max_dropped_share": MAX_DROPPED,
        "max_speed_se_kmh": MAX_SPEED_SE_KMH,
        "without_boxes_max_residual_m": MAX_RESIDUAL_M,
    }


def measure(track: Track, ctx: RuleContext) -> SpeedFit | None:
    """The track's ground speed and whether the fit is good enough to judge it; None if unusable."""
    h = ctx.homography()
    if h is None:
        return None
    if any(p.box is None for p in track.points):
        return _fit_metres(track, h)
    width, height = ctx.config.camera.resolution
    points = [p for p in track.points if not cut_by_frame(p, width, height)]
    if len(points) < MIN_POINTS:
        return None
    t = _seconds(points)
    if t[-1] - t[0] < MIN_SECONDS:
        return None
    t = t - (t[0] + t[-1]) / 2  # the fit's velocity term is then the speed at the middle
    xy = np.array([[p.x, p.y] for p in points], np.float64)
    road = cv2.perspectiveTransform(xy.reshape(-1, 1, 2), h).reshape(-1, 2)
    whiten = _whitening(h, xy, points)
    if whiten is None:
        return None
    keep = np.ones(len(points), bool)
    for attempt in range(4):
        coef, covariance = _weighted_fit(t[keep], road[keep], whiten[keep])
        errors = np.linalg.norm(np.einsum("nij,nj->ni", whiten, road - _path(coef, t)), axis=1)
        inliers = errors <= max(OUTLIER_JITTER, 3 * float(np.median(errors[keep])))
        if attempt == 3 or np.array_equal(inliers, keep):
            break
        keep = inliers
        if keep.sum() < MIN_POINTS or np.ptp(t[keep]) < MIN_SECONDS:
            return None
    jitter = float(np.sqrt(np.mean(errors[keep] ** 2)))
    residual = float(np.sqrt(np.mean(np.sum((_path(coef, t[keep]) - road[keep]) ** 2, axis=1))))
    velocity, acceleration = coef[0], coef[1]
    heading = velocity / max(float(np.hypot(*velocity)), 1e-9)
    speed_se = float(np.sqrt(max(heading @ covariance @ heading, 0.0)))
    start, end = velocity + acceleration * t[keep].min(), velocity + acceleration * t[keep].max()
    change = np.hypot(*end) - np.hypot(*start)
    dropped = len(track.points) - int(keep.sum())
    accepted = (
        jitter <= MAX_JITTER
        and (len(points) - keep.sum()) <= MAX_DROPPED * len(points)
        and speed_se * 3.6 <= MAX_SPEED_SE_KMH
    )
    return SpeedFit(
        float(np.hypot(*velocity) * 3.6),
        residual,
        jitter,
        int(keep.sum()),
        dropped,
        bool(accepted),
        "box-relative",
        float(change * 3.6),
        speed_se * 3.6,
    )


def speed_kmh(track: Track, homography: np.ndarray) -> tuple[float, float] | None:
    """(speed, fit residual in metres) from an unweighted constant-velocity fit; None if unusable."""
    fit = _fit_metres(track, homography)
    return None if fit is None else (fit.speed_kmh, fit.residual_m)


def _fit_metres(track: Track, homography: np.ndarray) -> SpeedFit | None:
    if len(track.points) < MIN_POINTS:
        return None
    t = track.seconds()
    if t[-1] - t[0] < MIN_SECONDS:
        return None
    road = cv2.perspectiveTransform(track.xy().reshape(-1, 1, 2), homography).reshape(-1, 2)
    design = np.stack([t, np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(design, road, rcond=None)
    residual = float(np.sqrt(np.mean(np.sum((design @ coef - road) ** 2, axis=1))))
    speed = float(np.hypot(*coef[0]) * 3.6)
    return SpeedFit(speed, residual, None, len(t), 0, residual <= MAX_RESIDUAL_M, "metres")


def _seconds(points: list[TrackPoint]) -> np.ndarray:
    return np.array([(p.t - points[0].t).total_seconds() for p in points])


def _whitening(h: np.ndarray, xy: np.ndarray, points: list[TrackPoint]) -> np.ndarray | None:
    """Per point, the 2×2 map from a road offset (m) to image pixels over the box's width and height;
    None when a point lies on the calibration's horizon (no road there)."""
    out = np.empty((len(points), 2, 2))
    for i, ((x, y), p) in enumerate(zip(xy, points, strict=True)):
        assert p.box is not None
        q = h @ np.array([x, y, 1.0])
        if abs(q[2]) < 1e-9:
            return None
        jacobian = (h[:2, :2] - np.outer(q[:2] / q[2], h[2, :2])) / q[2]  # d(road)/d(pixel)
        size = np.array([max(p.box[2] - p.box[0], 1.0), max(p.box[3] - p.box[1], 1.0)])
        if abs(np.linalg.det(jacobian)) < 1e-12:
            return None
        out[i] = np.linalg.inv(jacobian) / size[:, None]
    return out


def _weighted_fit(t: np.ndarray, road: np.ndarray, whiten: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares of road = offset + velocity·t + acceleration·t²/2, each point's residual taken through
    ``whiten``: rows velocity, acceleration, offset (each an x, y pair), and the velocity's 2×2 covariance
    (m²/s²) estimated from the residuals."""
    design = np.zeros((len(t), 2, 6))
    for axis in (0, 1):
        design[:, axis, axis] = t
        design[:, axis, 2 + axis] = t * t / 2
        design[:, axis, 4 + axis] = 1.0
    a = np.einsum("nij,njk->nik", whiten, design).reshape(-1, 6)
    b = np.einsum("nij,nj->ni", whiten, road).reshape(-1)
    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    spread = float(np.sum((a @ coef - b) ** 2)) / max(len(b) - 6, 1)
    covariance = spread * np.linalg.pinv(a.T @ a)[:2, :2]
    return coef.reshape(3, 2), covariance


def _path(coef: np.ndarray, t: np.ndarray) -> np.ndarray:
    velocity, acceleration, offset = coef
    return offset + np.outer(t, velocity) + np.outer(t * t / 2, acceleration)


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
    fit = measure(track, ctx)
    if fit is None or not fit.accepted:
        return []
    limit = ctx.config.speed_limit(track.vehicle_class)
    code = code_for(fit.speed_kmh - limit - TOLERANCE_KMH, track.vehicle_class)
    if code is None:
        return []
    measured: dict[str, Any] = {
        "speed_kmh": round(fit.speed_kmh, 1),
        "limit_kmh": limit,
        "fit_residual_m": round(fit.residual_m, 3),
        "fit_method": fit.method,
        "fit_points": fit.points,
    }
    if fit.jitter is not None:
        measured |= {
            "fit_jitter_box": round(fit.jitter, 4),
            "max_jitter_box": MAX_JITTER,
            "speed_change_kmh": round(fit.speed_change_kmh, 1),
            "speed_se_kmh": round(fit.speed_se_kmh, 2),
        }
    else:
        measured["max_residual_m"] = MAX_RESIDUAL_M
    return [Finding(code, track.track_id, track.points[-1].t, measured)]
