"""Plate readers: a plate crop in, the plate text out (formatted, compact, per-character confidence).

``PlateReader`` is the swappable backend (``PPOCRPlateReader`` for real, ``FakePlateReader`` for tests).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeGuard

import cv2
import numpy as np

from core.backends import Backend
from ocr.plate_decode import BOTTOM_ROW, ONE_LINE, TOP_ROW, RowRead, row_options
from ocr.plate_format import InvalidPlate, PlateFamily, PlateNumber, parse_plate
from ocr.recognizer import LineRecognizer, Slot
from ocr.text_detector import TextDetector, crop_quad, is_horizontal, union_quad

# Only the order of the two readings comes from the crop's shape (nearer 4.7:1 one-line plates or the
# 2:1 and 1.36:1 two-line plates, geometric middle ~2.6); an unsure first reading is always tried the
# other way and the more probable valid plate wins.
LIKELY_ONE_LINE = 2.6
SHARPEN_HEIGHT = 96  # px: the sharpened second look enlarges smaller crops to this height


@dataclass(frozen=True)
class PlateRead:
    plate: PlateNumber
    confidence: float
    char_conf: tuple[float, ...]
    lines: int
    raw: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.plate.display

    @property
    def compact(self) -> str:
        return self.plate.compact

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "compact": self.compact,
            "confidence": round(self.confidence, 4),
            "char_conf": [round(c, 4) for c in self.char_conf],
            "lines": self.lines,
            "raw": list(self.raw),
        }


class PlateReader(Backend, ABC):
    registry: ClassVar[dict[str, type[Any]]] = {}
    # The margins (share of the plate box's width, height on each side) the pipeline crops a detected
    # plate with. Several: each crop is read and the reads vote on the plate's text.
    crop_margins: ClassVar[tuple[tuple[float, float], ...]] = ((0.1, 0.1),)

    @abstractmethod
    def read(self, crop: np.ndarray) -> PlateRead | None:
        """Read one plate crop (BGR); None when no valid plate text can be read."""

    def read_many(self, crops: Sequence[np.ndarray]) -> list[PlateRead | None]:
        return [self.read(c) for c in crops]


def _detected_rows(detector: TextDetector, crop: np.ndarray) -> list[np.ndarray]:
    """The plate's one or two text rows as rectified images; none when the detector finds no text."""
    quads = [q for q in detector.detect(crop) if is_horizontal(q)]
    if not quads:
        return []
    middle = crop.shape[0] / 2
    top = [q for q in quads if float(q[:, 1].mean()) < middle]
    bottom = [q for q in quads if float(q[:, 1].mean()) >= middle]
    groups = [top, bottom] if top and bottom else [quads]
    return [crop_quad(crop, union_quad(g)) for g in groups]


def _split_rows(crop: np.ndarray) -> list[np.ndarray]:
    h = crop.shape[0]
    return [crop[: int(h * 0.55)], crop[int(h * 0.45) :]]


def _variants(crop: np.ndarray) -> list[np.ndarray]:
    """Second looks at a hard plate: local contrast, a tighter crop (rims and screws out), and the
    crop enlarged and sharpened (a small plate's strokes, blurred by the recogniser's own resize)."""
    lab = cv2.cvtColor(crop, cv2.COLOR_BGR2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4)).apply(lab[..., 0])
    contrast = cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)
    h, w = crop.shape[:2]
    tight = crop[int(h * 0.06) : h - int(h * 0.06), int(w * 0.03) : w - int(w * 0.03)]
    scale = max(1.0, SHARPEN_HEIGHT / max(1, h))
    big = cv2.resize(crop, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    sharp = cv2.addWeighted(big, 1.8, cv2.GaussianBlur(big, (0, 0), 2.0), -0.8, 0)
    return [contrast, tight, sharp]


class PPOCRPlateReader(PlateReader):
    name = "ppocr"

    def __init__(
        self,
        recognizer: LineRecognizer | None = None,
        *,
        second_look_below: float = 0.85,
        sure_above: float | None = None,
        min_confidence: float = 0.6,
    ):
        """``second_look_below``: reads less confident get a second look at enhanced crops;
        ``sure_above``: a read this confident is not tried in the other layout (default: the floor;
        on the tune photos the other layout never beat a valid first read above 0.4, only invalid
        reads and reads below 0.1);
        ``min_confidence``: a read below this is no read (on real photos, below it nearly every valid
        plate text was a misread: a cut-off box, a rim character taken for a digit)."""
        self.recognizer = recognizer or LineRecognizer()
        self.detector = TextDetector()
        self.second_look_below = second_look_below
        self.sure_above = min_confidence if sure_above is None else sure_above
        self.min_confidence = min_confidence

    def warmup(self) -> None:
        """Load the model and run it once, so the first real read is not slow."""
        self.read(np.full((48, 200, 3), 255, np.uint8))

    def read(self, crop: np.ndarray) -> PlateRead | None:
        return self.read_many([crop])[0]

    def read_many(self, crops: Sequence[np.ndarray]) -> list[PlateRead | None]:
        reads = self._read_batch(crops)
        hard = [
            i
            for i, r in enumerate(reads)
            if _confidence(r) < self.second_look_below and is_readable(crops[i], min_side=8)
        ]
        if hard:
            # Rows found by the text detector first: on real photos the best second look (the enhanced
            # crops misread both tune plates that it read right, e.g. "88LD0078" for 88LD-001.78)
            for i, read in zip(hard, self._read_detected_lines([crops[i] for i in hard]), strict=True):
                reads[i] = _most_confident([reads[i], read])
            still = [i for i in hard if _confidence(reads[i]) < self.second_look_below]
            if still:
                variants = [v for i in still for v in _variants(crops[i])]
                retries = self._read_batch(variants)
                per = len(variants) // len(still)
                for k, i in enumerate(still):
                    reads[i] = _most_confident([reads[i], *retries[k * per : (k + 1) * per]])
        return [r if r is not None and r.confidence >= self.min_confidence else None for r in reads]

    def _read_detected_lines(self, crops: Sequence[np.ndarray]) -> list[PlateRead | None]:
        """Rows found by the text detector and rectified (a tilted or off-centre plate, where the
        fixed split into halves cuts through characters)."""
        rows = [_detected_rows(self.detector, c) for c in crops]
        images = [row for r in rows for row in r]
        slots = iter(self.recognizer.recognize(images))
        return [_decode_rows([next(slots) for _ in r]) for r in rows]

    def _read_batch(self, crops: Sequence[np.ndarray]) -> list[PlateRead | None]:
        """Each crop read in its likelier layout, and the other way too unless the first read is sure."""
        layouts = [_layouts(c) for c in crops]
        reads = self._read_layouts([(i, kinds[0]) for i, kinds in enumerate(layouts) if kinds], crops)
        unsure = [
            (i, kinds[1])
            for i, kinds in enumerate(layouts)
            if len(kinds) == 2 and (reads.get(i) is None or reads[i].confidence < self.sure_above)
        ]
        for i, read in (self._read_layouts(unsure, crops) if unsure else {}).items():
            if reads.get(i) is None or read.confidence > reads[i].confidence:
                reads[i] = read
        return [reads.get(i) for i in range(len(crops))]

    def _read_layouts(self, jobs: list[tuple[int, str]], crops: Sequence[np.ndarray]) -> dict[int, PlateRead]:
        """One batch through the recogniser: the whole line of "one" jobs, the two rows of "two" jobs."""
        images: list[np.ndarray] = []
        for i, kind in jobs:
            images.extend([crops[i]] if kind == "one" else _split_rows(crops[i]))
        slots = iter(self.recognizer.recognize(images))
        reads: dict[int, PlateRead] = {}
        for i, kind in jobs:
            read = _decode_rows([next(slots) for _ in range(1 if kind == "one" else 2)])
            if read is not None:
                reads[i] = read
        return reads


def _confidence(read: PlateRead | None) -> float:
    return 0.0 if read is None else read.confidence


def _most_confident(reads: Sequence[PlateRead | None]) -> PlateRead | None:
    found = [r for r in reads if r is not None]
    return max(found, key=lambda r: r.confidence) if found else None


def is_readable(crop: np.ndarray | None, *, min_side: int = 4) -> TypeGuard[np.ndarray]:
    """Whether a crop is big enough to be worth a recogniser run."""
    return crop is not None and crop.size > 0 and min(crop.shape[:2]) >= min_side


def _aspect(crop: np.ndarray) -> float:
    return crop.shape[1] / max(1, crop.shape[0])


def _layouts(crop: np.ndarray | None) -> list[str]:
    """Both layouts ("one": one line, "two": two rows), the one nearer the crop's shape first."""
    if not is_readable(crop):
        return []
    return ["one", "two"] if _aspect(crop) >= LIKELY_ONE_LINE else ["two", "one"]


def _decode_rows(rows: list[list[Slot]]) -> PlateRead | None:
    """The most probable valid plate from one row of recognised characters (one-line plates) or two.
    Car or motorbike is decided by the read, not the crop's shape: a top row "75A" is a car's, "37-SA"
    a motorbike's; each row's shapes are tried most likely first until the rows make a valid plate."""
    options: list[tuple[RowRead, ...]]
    if len(rows) == 1:
        options = [(r,) for r in row_options(rows[0], ONE_LINE)]
    elif len(rows) == 2:
        tops, bottoms = row_options(rows[0], TOP_ROW), row_options(rows[1], BOTTOM_ROW)
        options = sorted(
            ((t, b) for t in tops for b in bottoms),
            key=lambda pair: -sum(r.log_likelihood for r in pair) / sum(len(r.text) for r in pair),
        )
    else:
        return None
    return next((read for option in options if (read := _to_read(list(option))) is not None), None)


def _to_read(rows: list[RowRead]) -> PlateRead | None:
    if len(rows) == 2 and rows[0].shape in (("PP", "L"), ("PP", "S2")):
        family: PlateFamily | None = PlateFamily.car
    elif len(rows) == 2 and rows[0].shape[-1] in ("N", "L2", "MD"):
        family = PlateFamily.motorbike
    else:
        family = None  # one line, or a special plate: the grammar says which
    try:
        plate = parse_plate(
            " ".join(r.text for r in rows) if family is None else "".join(r.text for r in rows), family=family
        )
    except InvalidPlate:
        return None
    char_conf = tuple(c for r in rows for c in r.char_conf)
    # Geometric mean of the character probabilities (penalised for dropped junk characters).
    total = sum(r.log_likelihood for r in rows)
    confidence = math.exp(total / max(1, len(char_conf)))
    return PlateRead(plate, confidence, char_conf, len(rows), tuple(r.raw for r in rows))


class FakePlateReader(PlateReader):
    """Returns scripted reads in order (tests of code that consumes readers)."""

    name = "fake"

    def __init__(self, texts: Sequence[str | None]):
        self.texts = list(texts)

    def read(self, crop: np.ndarray) -> PlateRead | None:
        text = self.texts.pop(0) if self.texts else None
        if text is None:
            return None
        plate = parse_plate(text)
        return PlateRead(plate, 1.0, tuple(1.0 for _ in plate.compact), len(plate.lines))
