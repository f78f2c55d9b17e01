"""Geometry of an MRZ photo: the detector's block deskewed and cut into rows, each row into its 30
monospace character cells, and the pieces the recogniser reads (a few cells at a time)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from identity.mrz import FILLER as FILL
from identity.mrz import LINE
from ocr.text_detector import crop_quad


def pad_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The text in ``quad``, rectified, with room around it: DB boxes hug the strokes and would clip
    letter tops. The margins follow one line's height (a box may hold several MRZ lines, about 15
    characters wide per line height), so a margin never reaches the desk beside the card."""
    u, v = quad[1] - quad[0], quad[3] - quad[0]
    width, height = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    line = min(height, width / 15)
    u, v = u / max(1e-6, width), v / max(1e-6, height)
    a, b = 0.15 * line, 0.35 * line
    grown = np.array(
        [quad[0] - a * u - b * v, quad[1] + a * u - b * v, quad[2] + a * u + b * v, quad[3] - a * u + b * v],
        np.float32,
    )
    return crop_quad(image, grown)


def _ink(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def deskew(block: np.ndarray, max_deg: float = 3.0, step: float = 0.25) -> np.ndarray:
    """``block`` turned so its text rows are level: the angle whose row ink profile is sharpest. The
    detector's box is only roughly aligned (perspective, other text in the box), and over a 30-character
    line a fraction of a degree moves one end by a third of a character's height."""
    ink = _ink(block)
    h, w = ink.shape
    best, best_angle = -1.0, 0.0
    for angle in np.arange(-max_deg, max_deg + step / 2, step):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        profile = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
        sharpness = float(np.square(np.diff(profile)).sum())
        if sharpness > best:
            best, best_angle = sharpness, float(angle)
    if best_angle == 0.0:
        return block
    m = cv2.getRotationMatrix2D((w / 2, h / 2), best_angle, 1.0)
    return cv2.warpAffine(block, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def split_rows(block: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """The text rows of a rectified block (dark ink on a light card), by its row ink profile; each row
    with a margin of a third of its height. Returns (row centre y, crop)."""
    ink = _ink(block)
    profile = ink.mean(axis=1)
    if profile.max() <= 0:
        return []
    on = profile > 0.25 * profile.max()
    rows: list[tuple[int, int]] = []
    start = None
    for y, flag in enumerate([*on, False]):
        if flag and start is None:
            start = y
        elif not flag and start is not None:
            rows.append((start, y))
            start = None
    heights = [b - a for a, b in rows]
    tall = max(heights, default=0)
    out = []
    for a, b in rows:
        if b - a < 0.4 * tall:  # a stroke fragment or underline, not a text row
            continue
        m = max(2, (b - a) // 3)
        out.append(((a + b) / 2, block[max(0, a - m) : min(block.shape[0], b + m)]))
    return out


def _ink_columns(row: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(row, cv2.COLOR_BGR2GRAY) if row.ndim == 3 else row
    ink = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1].astype(np.float32)
    return np.convolve(ink.sum(axis=0), np.ones(3) / 3, mode="same")


def cell_edges(row: np.ndarray, pitch: float | None = None) -> tuple[np.ndarray, float] | None:
    """The 31 x-positions between the 30 character cells of an MRZ line (monospace: a fixed pitch),
    each placed in the nearest inter-character gap; and the pitch. ``pitch`` given: the line may be cut
    short (its trailing fillers outside the crop), so it is not estimated from this line's width."""
    cols = _ink_columns(row)
    inked = np.flatnonzero(cols > 0.05 * cols.max()) if cols.max() > 0 else np.array([], int)
    if inked.size == 0:
        return None
    left, right = int(inked[0]), int(inked[-1])
    pitch = pitch or (right - left) / (LINE - 0.3)
    edges = [left - 0.2 * pitch]
    for _ in range(LINE - 1):
        expected = edges[-1] + pitch
        lo, hi = int(expected - 0.35 * pitch), int(expected + 0.35 * pitch) + 1
        if lo < 0 or hi > len(cols):
            edges.append(expected)
            continue
        window = cols[lo:hi]
        quiet = np.flatnonzero(window <= window.min() + 0.05 * max(1.0, float(cols.max())))
        edges.append(lo + float(quiet.mean()))
    edges.append(edges[-1] + pitch)
    return np.array(edges), pitch


# The pieces of each line read at once (cells [a, b)). The recogniser drops characters on a whole
# 30-character line and on runs of 3+ ``<`` (a digit after them is often lost), so lines are read
# about 10 characters at a time, and cells the layout fixes to ``<`` (line 1 col 28, line 2 cols
# 19-28) are not read at all; the check digit after them is read with one ``<`` of context.
PLAN = (
    ((0, 10), (10, 20), (20, 27), (28, 30)),
    ((0, 9), (9, 18), (28, 30)),
    ((0, 10), (10, 20), (20, 30)),
)


def chunk_images(
    row: np.ndarray, edges: np.ndarray, pitch: float, plan: Sequence[tuple[int, int]]
) -> list[tuple[int, int, np.ndarray]]:
    """(first cell, end cell, image) for each piece of ``plan`` inside the crop, with a background
    margin on both sides; cells past the crop's right edge are left out (trailing fillers)."""
    width = row.shape[1]
    margin = max(2, round(0.3 * pitch))
    # Card colour, not the edge column repeated: a stroke at a piece's edge smeared into its margin
    # turns an I into an H.
    paper = [
        float(v) for v in np.percentile(row.reshape(-1, row.shape[-1] if row.ndim == 3 else 1), 90, axis=0)
    ]
    pieces = []
    for a, end in plan:
        b = end
        while b > a and edges[b] > width + 0.3 * pitch:
            b -= 1
        if b == a:
            continue
        x0, x1 = max(0, round(edges[a])), min(width, round(edges[b]))
        piece = cv2.copyMakeBorder(row[:, x0:x1], 0, 0, margin, margin, cv2.BORDER_CONSTANT, value=paper)
        pieces.append((a, b, piece))
    return pieces


def stretch_contrast(image: np.ndarray) -> np.ndarray:
    """Grey levels stretched to the full range (a dim or washed-out photo)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    lo, hi = float(grey.min()), float(grey.max())
    scaled = np.clip((grey.astype(np.float32) - lo) * (255.0 / max(1.0, hi - lo)), 0, 255).astype(np.uint8)
    return cv2.cvtColor(scaled, cv2.COLOR_GRAY2BGR)


def names_end(line: str) -> int | None:
    """Where the names end: the first ``<<`` after the surname's (given names are joined by one ``<``)."""
    surname_end = line.find("<<")
    if surname_end < 0:
        return None
    end = line.find("<<", surname_end + 2)
    return None if end < 0 else end


def tidy_names(line: str) -> str:
    """Everything after the names is filler (misread chevrons in the trailing run become ``<`` again)."""
    end = names_end(line)
    return line if end is None else line[:end].ljust(LINE, FILL)
