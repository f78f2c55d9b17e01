"""PP-OCRv4 text detection (the DB model inside rapidocr-onnxruntime, Apache-2.0) on a plate crop:
finds the text lines, so that a foreign plate's number can be told from its state name and slogans."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.onnx import ort_session
from ocr.recognizer import rapidocr_model

MIN_SIDE = 96  # small crops are enlarged so that their shorter side has this many pixels


class TextDetector:
    def __init__(self, model_path: Path | None = None, threads: int | None = None):
        self.model_path = Path(model_path) if model_path else rapidocr_model("ch_PP-OCRv4_det_infer.onnx")
        self.threads = threads

    @cached_property
    def session(self) -> Any:
        return ort_session(self.model_path, self.threads)

    @cached_property
    def _post(self) -> Any:
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess

        return DBPostProcess(thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, use_dilation=True)

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line quadrilaterals (4×2 float32, clockwise from top-left), tallest first."""
        h, w = image.shape[:2]
        ratio = max(1.0, MIN_SIDE / max(1, min(h, w)))
        rh, rw = (max(32, round(h * ratio / 32) * 32), max(32, round(w * ratio / 32) * 32))
        resized = cv2.resize(image, (rw, rh)).astype(np.float32)
        blob = ((resized / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None]
        probs = self.session.run(None, {self.session.get_inputs()[0].name: blob})[0]
        boxes, _ = self._post(probs, (h, w))
        quads = [_order(np.asarray(b, np.float32)) for b in boxes]
        quads = [q for q in quads if _height(q) > 3 and _width(q) > 3]
        return sorted(_join_lines(quads), key=_height, reverse=True)


def crop_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The text line inside ``quad``, rectified."""
    w, h = max(1, round(_width(quad))), max(1, round(_height(quad)))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def is_horizontal(quad: np.ndarray) -> bool:
    return float(np.linalg.norm(quad[0] - quad[1])) >= float(np.linalg.norm(quad[0] - quad[3]))


def _join_lines(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Boxes side by side on one line (a plate number split by an emblem or a sticker) become one."""
    lines: list[list[np.ndarray]] = []
    for quad in sorted(quads, key=lambda q: float(q[:, 0].min())):
        line = next((ln for ln in lines if _same_line(ln[-1], quad)), None)
        if line is None:
            lines.append([quad])
        else:
            line.append(quad)
    return [union_quad(ln) for ln in lines]


def union_quad(quads: list[np.ndarray]) -> np.ndarray:
    """The smallest rotated rectangle around all of ``quads``."""
    return quads[0] if len(quads) == 1 else _order(cv2.boxPoints(cv2.minAreaRect(np.vstack(quads))))


def _same_line(a: np.ndarray, b: np.ndarray) -> bool:
    top = max(a[:, 1].min(), b[:, 1].min())
    bottom = min(a[:, 1].max(), b[:, 1].max())
    ha, hb = _height(a), _height(b)
    return bottom - top >= 0.6 * min(ha, hb) and max(ha, hb) <= 1.5 * min(ha, hb)


def _order(pts: np.ndarray) -> np.ndarray:
    by_x = pts[np.argsort(pts[:, 0])]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], np.float32)


def _height(q: np.ndarray) -> float:
    return float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))


def _width(q: np.ndarray) -> float:
    return float(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2])))
