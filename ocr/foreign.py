"""Foreign plates (benchmarks, `tvp plates read --grammar any`): letters and digits without the
Vietnamese grammar, from the plate's number line."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocr.plate_format import PlateFamily, PlateNumber
from ocr.reader import PlateRead, PlateReader, is_readable
from ocr.recognizer import LineRecognizer, Slot
from ocr.text_detector import TextDetector, crop_quad, is_horizontal


class AnyTextPlateReader(PlateReader):
    """Reads any plate's letters and digits without the Vietnamese grammar (foreign plates, benchmarks).

    The text lines are found first and the tallest one holding at least three characters is the
    number: state names, slogans and dealer frames are in smaller print. The whole crop is read when no
    line is found."""

    name = "any"
    max_lines = 3

    def __init__(self, recognizer: LineRecognizer | None = None, detector: TextDetector | None = None):
        self.recognizer = recognizer or LineRecognizer()
        self.detector = detector or TextDetector()

    def read(self, crop: np.ndarray) -> PlateRead | None:
        return self.read_many([crop])[0]

    def read_many(self, crops: Sequence[np.ndarray]) -> list[PlateRead | None]:
        images: list[np.ndarray] = []
        owners: list[int] = []
        for i, crop in enumerate(crops):
            if not is_readable(crop):
                continue
            crop = without_country_band(crop)
            quads = [q for q in self.detector.detect(crop) if is_horizontal(q)][: self.max_lines]
            for line in [*(crop_quad(crop, q) for q in quads), crop]:  # tallest first, whole crop last
                images.append(line)
                owners.append(i)
        options: dict[int, list[list[Slot]]] = {}
        for i, slots in zip(owners, self.recognizer.recognize(images), strict=True):
            options.setdefault(i, []).append([s for s in slots if s.best not in "-."])
        results: list[PlateRead | None] = [None] * len(crops)
        for i, reads in options.items():
            *lines, whole = reads
            chars = next((line for line in lines if len(line) >= 3), whole)
            if len(chars) >= 2:
                results[i] = _any_text_read(chars)
        return results


def without_country_band(crop: np.ndarray) -> np.ndarray:
    """The crop without an EU plate's blue country band at the left (its letters and stars are not
    part of the number)."""
    w = crop.shape[1]
    hsv = cv2.cvtColor(crop[:, : max(1, w // 5)], cv2.COLOR_BGR2HSV)
    blue = (hsv[..., 0] >= 95) & (hsv[..., 0] <= 130) & (hsv[..., 1] >= 90) & (hsv[..., 2] >= 50)
    columns = list(blue.mean(axis=0) >= 0.35)  # mostly blue, from the left
    if True not in columns[: max(1, round(w * 0.06))]:  # the band starts at the plate's left edge
        return crop
    start = columns.index(True)
    if False not in columns[start:]:  # blue all across: a blue plate, not a band
        return crop
    end = columns.index(False, start)
    return crop[:, end:] if end - start >= w * 0.04 else crop


def _any_text_read(chars: list[Slot]) -> PlateRead:
    text = "".join(s.best for s in chars)
    conf = tuple(s.confidence for s in chars)
    plate = PlateNumber(compact=text, family=PlateFamily.other, province="", series="", number=text)
    return PlateRead(plate, float(np.exp(np.mean(np.log(conf)))), conf, 1, (text,))
