"""A vehicle's body colour from its image, in the registry's words (Trắng, Đen, Bạc/Xám, Đỏ, Xanh, Vàng).

The body is sampled below the windows and away from the wheels: the middle band of the box. Dark,
bright and unsaturated pixels are black, white or silver/grey; saturated ones vote by hue. Silver and
grey cannot be told apart reliably by a camera and are treated as one family.
"""

from __future__ import annotations

import cv2
import numpy as np

FAMILY = {
    "trắng": "white",
    "đen": "black",
    "bạc": "grey",
    "xám": "grey",
    "đỏ": "red",
    "xanh": "blue",
    "vàng": "yellow",
}
NAME = {"white": "Trắng", "black": "Đen", "grey": "Bạc/Xám", "red": "Đỏ", "blue": "Xanh", "yellow": "Vàng"}


def body_colour(vehicle: np.ndarray) -> tuple[str, float] | None:
    """(colour family, share of the sampled pixels that agree) or None for an empty crop."""
    h, w = vehicle.shape[:2]
    band = vehicle[int(h * 0.45) : int(h * 0.8), int(w * 0.15) : int(w * 0.85)]
    if band.size == 0:
        return None
    hsv = cv2.cvtColor(band, cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.int32)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    votes = {
        "black": (val < 60),
        "white": (val >= 185) & (sat < 40),
        "grey": (val >= 60) & (val < 185) & (sat < 40),
        "red": (sat >= 70) & (val >= 60) & ((hue <= 8) | (hue >= 165)),
        "yellow": (sat >= 70) & (val >= 60) & (hue >= 15) & (hue <= 35),
        "blue": (sat >= 50) & (val >= 40) & (hue >= 90) & (hue <= 130),
    }
    counts = {name: int(mask.sum()) for name, mask in votes.items()}
    best = max(counts, key=lambda k: counts[k])
    return best, counts[best] / len(hsv)


def family_of(registered: str) -> str | None:
    return FAMILY.get(registered.strip().lower())
