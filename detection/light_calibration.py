"""Learn a camera's signal lamps from its own footage: where each lamp is inside its head's box, and
how bright it is unlit and lit.

A lamp is where the head's brightness changes over time (it goes on and off); the housing, the visor
and a countdown display beside the head change little or at other places. Each lamp is looked for in
its cell of the default layout (red, amber, green along the longer side); a lamp never lit in the
footage keeps the layout's place, lined up with the lamps that were found. Then every lamp's
brightness over the footage gives its dark level (a low quantile) and its lit level (the median over
the frames where it is the one lit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import cv2
import numpy as np

from detection.camera_config import Box
from detection.light import MIN_CONTRAST, Lamp, brightness, default_lamps, lit_lamp

MIN_FRAMES = 20
MIN_LIT_FRAMES = 2
DARK_QUANTILE = 10  # of a pixel's brightness over time: its dark state
BAND_SHARE = 0.25  # of the box's width either side of its axis: where the lamps are looked for
CORE_SHARE = 0.5  # a lamp's pixels change by at least half the most any pixel of its cell changes


def _value(frame: np.ndarray, box: Box) -> np.ndarray:
    x1, y1, x2, y2 = box
    crop = frame[y1:y2, x1:x2]
    return cv2.GaussianBlur(crop.max(axis=2) if crop.ndim == 3 else crop, (3, 3), 0).astype(np.float32)


def _find_lamp(change: np.ndarray, lamp: Lamp, box: Box, vertical: bool) -> Lamp | None:
    """The lamp's disc in its cell of the change map (box coordinates), or None if nothing changes."""
    x1, y1, x2, y2 = box
    cell = ((y2 - y1) if vertical else (x2 - x1)) / 3
    cx, cy = lamp.centre[0] - x1, lamp.centre[1] - y1
    # The lamp's cell along the head, and the middle half across it: an operator's box is loose around
    # the housing, and traffic seen past its sides changes far more than any lamp.
    ys, xs = np.mgrid[0 : change.shape[0], 0 : change.shape[1]] + 0.5
    along, across = (ys - cy, xs - cx) if vertical else (xs - cx, ys - cy)
    width = change.shape[1] if vertical else change.shape[0]
    mask = ((np.abs(along) <= cell / 2) & (np.abs(across) < BAND_SHARE * width)).astype(np.uint8)
    peak = float(change[mask > 0].max()) if mask.any() else 0.0
    if peak < MIN_CONTRAST:
        return None
    core = ((change >= CORE_SHARE * peak) & (mask > 0)).astype(np.uint8)
    count, labels = cv2.connectedComponents(core, connectivity=8)
    if count < 2:
        return None
    # The lamp: the component that changes most in all (a passing car behind the head changes a thin
    # sliver at the box's edge, a lamp a compact disc).
    best = max(range(1, count), key=lambda k: float(change[labels == k].sum()))
    ys_, xs_ = np.nonzero(labels == best)
    ys, xs = ys_.astype(np.float64), xs_.astype(np.float64)
    weights = change[ys_, xs_]
    centre = (
        float(np.average(xs, weights=weights)) + 0.5 + x1,
        float(np.average(ys, weights=weights)) + 0.5 + y1,
    )
    radius = float(np.clip(np.sqrt(len(xs) / np.pi), 1.5, 0.45 * cell))
    return replace(lamp, centre=(round(centre[0], 1), round(centre[1], 1)), radius=round(radius, 1))


def locate_lamps(frames: Sequence[np.ndarray], box: Box) -> list[Lamp]:
    """The head's lamps placed where its brightness changes over the frames."""
    values = np.stack([_value(f, box) for f in frames])
    change = values.max(axis=0) - np.percentile(values, DARK_QUANTILE, axis=0)
    layout = default_lamps(box)
    vertical = (box[3] - box[1]) >= (box[2] - box[0])
    found = [_find_lamp(change, lamp, box, vertical) for lamp in layout]
    placed = [f for f in found if f is not None]
    if not placed:
        return layout
    radius = float(np.median([f.radius for f in placed]))
    across = float(np.mean([f.centre[0] if vertical else f.centre[1] for f in placed]))
    lamps = []
    for i, (default, lamp) in enumerate(zip(layout, found, strict=True)):
        if lamp is not None:
            lamps.append(lamp)
            continue
        # Never lit here: between (or in line with) its found neighbours, at the layout's spacing.
        along = _along(default, vertical)
        neighbours = [(j, f) for j, f in enumerate(found) if f is not None]
        if len(neighbours) >= 2:
            (ja, a), (jb, b) = neighbours[0], neighbours[-1]
            along = _along(a, vertical) + (i - ja) * (_along(b, vertical) - _along(a, vertical)) / (jb - ja)
        centre = (across, along) if vertical else (along, across)
        place = (round(centre[0], 1), round(centre[1], 1))
        lamps.append(replace(default, centre=place, radius=round(radius, 1)))
    return lamps


def _along(lamp: Lamp, vertical: bool) -> float:
    return lamp.centre[1] if vertical else lamp.centre[0]


def calibrate_head(frames: Iterable[np.ndarray], box: Box) -> list[Lamp]:
    """Lamps with their place, size and dark / lit brightness, learned from a camera's frames."""
    frames = list(frames)
    if len(frames) < MIN_FRAMES:
        raise ValueError(f"calibrating a signal head needs at least {MIN_FRAMES} frames, got {len(frames)}")
    lamps = locate_lamps(frames, box)
    levels = np.array([[brightness(f, lamp) for lamp in lamps] for f in frames])
    # Which lamp is lit in each frame, by the uncalibrated rule (much brighter than the other lamps).
    labels = np.array([-1 if (i := lit_lamp(list(row), lamps)) is None else i for row in levels])
    out = []
    for i, lamp in enumerate(lamps):
        lit_frames = levels[labels == i, i]
        unlit = levels[(labels != i) & (labels >= 0), i]  # another lamp lit: this one surely dark
        if len(unlit) < MIN_LIT_FRAMES:
            unlit = levels[labels != i, i]
        dark = float(np.percentile(unlit, 50)) if len(unlit) >= MIN_LIT_FRAMES else None
        lit = float(np.median(lit_frames)) if len(lit_frames) >= MIN_LIT_FRAMES else None
        out.append(
            replace(
                lamp,
                dark=None if dark is None else round(dark, 1),
                lit=None if lit is None else round(lit, 1),
            )
        )
    return out
