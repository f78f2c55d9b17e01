"""Generated Vietnamese plates in real photographs: a rendered VN plate is perspective-warped into a
photo at a labelled plate position (covering the original plate), with the photo's light and blur.
Used to fine-tune the plate detector and to test full-frame reading."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.render import Layout, PlateSpec, random_spec, render_plate

ASPECT = {Layout.car_long: 520 / 110, Layout.car_short: 330 / 165, Layout.motorbike: 190 / 140}


@dataclass(frozen=True)
class Composite:
    image: np.ndarray
    spec: PlateSpec
    box: tuple[int, int, int, int]  # xyxy of the pasted plate


def _target_box(
    box: tuple[int, int, int, int], layout: Layout, shape: tuple[int, ...], rng: random.Random
) -> np.ndarray:
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    width = max(x2 - x1, 24) * rng.uniform(0.95, 1.15)
    if layout is not Layout.car_long:
        width *= rng.uniform(0.5, 0.7)  # two-line plates are narrower than the plate they replace
    height = width / ASPECT[layout]
    h, w = shape[:2]
    cx = min(max(cx, width / 2), w - width / 2)
    cy = min(max(cy, height / 2), h - height / 2)
    return np.array([cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2])


def composite(
    photo: np.ndarray, box: tuple[int, int, int, int], rng: random.Random, spec: PlateSpec | None = None
) -> Composite:
    spec = spec or random_spec(rng)
    plate = render_plate(spec, px_per_mm=2.0)
    x1, y1, x2, y2 = _target_box(box, spec.layout, photo.shape, rng)
    w, h = x2 - x1, y2 - y1
    skew = 0.08
    dst = np.array(
        [
            [x1 + rng.uniform(-skew, skew) * w, y1 + rng.uniform(-skew, skew) * h],
            [x2 + rng.uniform(-skew, skew) * w, y1 + rng.uniform(-skew, skew) * h],
            [x2 + rng.uniform(-skew, skew) * w, y2 + rng.uniform(-skew, skew) * h],
            [x1 + rng.uniform(-skew, skew) * w, y2 + rng.uniform(-skew, skew) * h],
        ],
        np.float32,
    )
    ph, pw = plate.shape[:2]
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    size = (photo.shape[1], photo.shape[0])
    warped = cv2.warpPerspective(plate, matrix, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, size)
    # Cover the original plate, then match the region's light and sharpness.
    bx1, by1, bx2, by2 = (int(v) for v in box)
    region = photo[max(0, by1) : max(by1 + 1, by2), max(0, bx1) : max(bx1 + 1, bx2)]
    light = float(np.clip(region.mean() / 150.0, 0.45, 1.25)) if region.size else 1.0
    out = photo.copy()
    if region.size:
        out[by1:by2, bx1:bx2] = cv2.blur(region, (max(3, (bx2 - bx1) // 3) | 1, max(3, (by2 - by1) // 3) | 1))
    warped = np.clip(warped.astype(np.float32) * light * rng.uniform(0.85, 1.1), 0, 255).astype(np.uint8)
    if w < 120 or rng.random() < 0.4:
        warped = cv2.GaussianBlur(warped, (3, 3), rng.uniform(0.4, 1.0))
    alpha = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
    out = (out * (1 - alpha) + warped * alpha).astype(np.uint8)
    xs, ys = dst[:, 0], dst[:, 1]
    final = (
        int(max(0, xs.min())),
        int(max(0, ys.min())),
        int(min(size[0], xs.max())),
        int(min(size[1], ys.max())),
    )
    return Composite(out, spec, final)
