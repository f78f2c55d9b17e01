"""Foreign plates (benchmarks, `tvp plates read --grammar any`): letters and digits without the
Vietnamese grammar, from the plate's number line."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocr.plate_format import PlateFamily, PlateNumber
from ocr.reader import PlateRead, PlateReader, is_readable
from ocr.recognizer import SEPARATORS, LineRecognizer, Slot, foreign_default_model, rapidocr_model
from ocr.text_detector import TextDetector, _height, crop_quad, is_horizontal


class AnyTextPlateReader(PlateReader):
    """Reads any plate's letters and digits without the Vietnamese grammar (foreign plates, benchmarks).

    Several readings compete: each text line the detector finds (padded, as its boxes often clip the
    first or last character), the whole crop, and the whole crop enlarged and sharpened or with more
    contrast (small and dim plates, where the detector finds no line). Each is scored by the
    recogniser's confidence, how plate-like its length is (licence numbers have 5–8 characters, state
    names and slogans more, fragments fewer) and its line's height against the tallest line (state
    names, slogans and dealer frames are in smaller print); the best wins. It is returned only when it
    has 4–8 characters and ``min_confidence``: on the OpenALPR photos nearly every read below it was a
    misread or a sign, not a plate. With a ``second_opinion`` recogniser (the stock model, when the
    default is the fine-tune), a crop whose best read's first character is below ``SECOND_LOOK_BELOW``
    is read again, and where both read as many characters the first character's probabilities are
    averaged: the fine-tune learnt from Vietnamese lines, which start with digits, and reads a foreign
    plate's first letter as a digit (J as 1, D as 0) more often than the stock model. Reads whose scores
    differ by less than ``SCORE_TIE`` are equal, and the first tried wins: a padded line before the
    detector's own box, as a box that clips an end character often reads the rest just as confidently.

    The pipeline crops each plate with four margins (``crop_margins``) and keeps the text their reads
    agree on: the VN-trained plate detector often clips a foreign plate's end character, and which
    lines the text detector finds changes with the surroundings a crop gives it."""

    name = "any"
    max_lines = 3
    crop_margins = ((0.1, 0.1), (0.2, 0.1), (0.3, 0.15), (0.4, 0.2))

    def __init__(
        self,
        recognizer: LineRecognizer | None = None,
        detector: TextDetector | None = None,
        *,
        min_confidence: float = 0.85,
        second_opinion: LineRecognizer | None = None,
    ):
        self.recognizer = recognizer or LineRecognizer(foreign_default_model())
        if second_opinion is None and recognizer is None and self.recognizer.model_path != rapidocr_model():
            second_opinion = LineRecognizer(rapidocr_model())  # the fine-tune by default: stock as second
        self.second_opinion = second_opinion
        self.detector = detector or TextDetector()
        self.min_confidence = min_confidence

    def read(self, crop: np.ndarray) -> PlateRead | None:
        return self.read_many([crop])[0]

    def read_many(self, crops: Sequence[np.ndarray]) -> list[PlateRead | None]:
        candidates: list[tuple[int, float, np.ndarray]] = []  # (crop index, size score, image)
        for i, crop in enumerate(crops):
            if not is_readable(crop):
                continue
            crop = without_country_band(crop)
            quads = [q for q in self.detector.detect(crop) if is_horizontal(q)][: self.max_lines]
            tallest = max((_height(q) for q in quads), default=1.0)
            for q in quads:
                size = LINE_HEIGHT_WEIGHT * float(np.log(_height(q) / tallest))
                candidates.append((i, size, crop_quad(crop, _padded(q))))  # first: it wins ties
                candidates.append((i, size, crop_quad(crop, q)))
            candidates.extend((i, WHOLE_CROP_SCORE, image) for image in _whole_crop_looks(crop))
        chars_each = _chars_each(candidates, self.recognizer)
        best = _best_reads(candidates, chars_each)
        if self.second_opinion is not None:
            unsure = {i for i, (_, chars) in best.items() if chars[0].confidence < SECOND_LOOK_BELOW}
            again = [k for k, (i, _, _) in enumerate(candidates) if i in unsure]
            others = _chars_each([candidates[k] for k in again], self.second_opinion)
            for k, other in zip(again, others, strict=True):
                chars_each[k] = _averaged(chars_each[k], other)
            best = _best_reads(candidates, chars_each)
        results: list[PlateRead | None] = [None] * len(crops)
        for i, (_, chars) in best.items():
            read = _any_text_read(chars)
            if MIN_CHARS <= len(chars) <= MAX_CHARS and read.confidence >= self.min_confidence:
                results[i] = read
        return results


def _chars_each(
    candidates: list[tuple[int, float, np.ndarray]], recognizer: LineRecognizer
) -> list[list[Slot]]:
    if not candidates:
        return []
    slots_each = recognizer.recognize([image for _, _, image in candidates])
    return [[s for s in slots if s.best not in SEPARATORS] for slots in slots_each]


def _best_reads(
    candidates: list[tuple[int, float, np.ndarray]], chars_each: list[list[Slot]]
) -> dict[int, tuple[float, list[Slot]]]:
    """Each crop's best (score, characters); a later candidate must lead by ``SCORE_TIE`` to win."""
    best: dict[int, tuple[float, list[Slot]]] = {}
    for (i, size, _), chars in zip(candidates, chars_each, strict=True):
        if not chars:
            continue
        score = size + _length_score(len(chars)) + float(np.mean([np.log(s.confidence) for s in chars]))
        if i not in best or score > best[i][0] + SCORE_TIE:
            best[i] = (score, chars)
    return best


def _averaged(chars: list[Slot], other: list[Slot]) -> list[Slot]:
    """Two models' reads of one image, the first character the mean of their probabilities when they
    read as many characters; else the first model's read."""
    if not chars or len(chars) != len(other):
        return chars
    return [Slot((chars[0].probs + other[0].probs) / 2), *chars[1:]]


SECOND_LOOK_BELOW = 0.95  # a first character less sure than this: the second opinion reads too
LINE_HEIGHT_WEIGHT = 0.7  # a line half as tall as the tallest loses about as much as a 0.6 confidence
WHOLE_CROP_SCORE = -0.15  # the whole crop also holds the frame's print: a found line is preferred
PAD_X, PAD_Y = 0.3, 0.1  # of the line's height: the detector's boxes often clip the end characters
SCORE_TIE = 0.001  # about a 0.1 % confidence: a smaller lead decides nothing
ENLARGE_HEIGHT = 96
MIN_CHARS, MAX_CHARS = 4, 8  # a licence number's length, in nearly every country


def _length_score(n: int) -> float:
    """How plate-like a read's length is: most licence numbers have 5–8 characters."""
    if 5 <= n <= 8:
        return 0.0
    return -0.3 if n == 4 else -1.5


def _padded(quad: np.ndarray) -> np.ndarray:
    """The line's quadrilateral grown along its own axes by a share of its height."""
    h = _height(quad)
    right = (quad[1] - quad[0]) / max(1e-6, float(np.linalg.norm(quad[1] - quad[0])))
    down = (quad[3] - quad[0]) / max(1e-6, float(np.linalg.norm(quad[3] - quad[0])))
    dx, dy = right * h * PAD_X, down * h * PAD_Y
    return np.array([quad[0] - dx - dy, quad[1] + dx - dy, quad[2] + dx + dy, quad[3] - dx + dy], np.float32)


def _whole_crop_looks(crop: np.ndarray) -> list[np.ndarray]:
    """The crop as it is, enlarged and sharpened (small plates), and with local contrast (dim plates)."""
    h, w = crop.shape[:2]
    scale = max(1.0, ENLARGE_HEIGHT / max(1, h))
    big = cv2.resize(crop, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    sharp = cv2.addWeighted(big, 1.8, cv2.GaussianBlur(big, (0, 0), 2.0), -0.8, 0)
    lab = cv2.cvtColor(crop, cv2.COLOR_BGR2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(lab[..., 0])
    return [crop, sharp, cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)]


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
