"""Training lines for the plate recogniser: the images the readers feed it, labelled with the true text.

Real plates come from labelled photo folders (images/ + labels.csv with a box and the plate text); each
plate is cut with the pipeline's margin (and two wider margins, as a detector's box varies) and turned
into lines by the readers' own code: the Vietnamese reader's whole crop (one-line plates) or its split
rows (two-line plates), its text-detector rows, and the same for its enhanced second looks; the foreign
reader's whole-crop looks and detector lines. A line whose label is not known from the layout (detector
rows, special plates, foreign detector lines) is kept only when the stock recogniser's read of it is
near one of the plate's lines (it is the number line, not a state name or a dealer frame). Rendered VN
plates (``ocr.render``) add every series and province in the typefaces of real plates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detection.images import load_image
from detection.pipeline import expand_box
from ocr.foreign import AnyTextPlateReader, _whole_crop_looks, without_country_band
from ocr.reader import _detected_rows, _split_rows, _variants, is_readable
from ocr.recognizer import SYMBOLS, LineRecognizer, rapidocr_model
from ocr.render import Layout, degrade, random_spec, render_plate
from ocr.text_detector import TextDetector, crop_quad, is_horizontal

MARGINS = ((0.04, 0.08), (0.08, 0.15), (0.01, 0.02))  # the pipeline's crop margin first
MIN_LINE_HEIGHT = 8


@dataclass(frozen=True)
class Line:
    image: np.ndarray  # BGR
    text: str  # characters of SYMBOLS only
    source: str  # "vn", "alpr", "render"


@dataclass(frozen=True)
class LabelledPlate:
    image: Path
    box: tuple[int, int, int, int]
    text: str  # as printed: lines separated by a space, "-" and "." kept
    layout: str  # vn_real_dev's layouts, or "foreign"


def clean(text: str) -> str:
    """The label as the recogniser should read it: upper case, Đ as D, only plate symbols."""
    return "".join(ch for ch in text.upper().replace("Đ", "D") if ch in SYMBOLS)


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def expand(box: tuple[int, int, int, int], shape: tuple[int, ...], fx: float, fy: float) -> np.ndarray:
    return expand_box(np.array(box, np.float32), shape, fx, fy).astype(int)


class LineMaker:
    """Cuts labelled plates into the line images the readers feed the recogniser."""

    def __init__(self, stock: LineRecognizer | None = None, detector: TextDetector | None = None):
        self.stock = stock or LineRecognizer(rapidocr_model())  # labels checked by the stock model
        self.detector = detector or TextDetector()

    def vn_lines(self, crop: np.ndarray, text: str, layout: str) -> list[tuple[np.ndarray, str]]:
        rows = [clean(part) for part in text.split(" ")]
        known: list[tuple[np.ndarray, str]] = []
        unsure: list[np.ndarray] = []
        for look in [crop, *_variants(crop)]:
            if layout == "car_1line":
                known.append((look, clean(text)))
            elif layout in ("car_2line", "moto_2line") and len(rows) == 2:
                known.extend(zip(_split_rows(look), rows, strict=True))
            unsure.extend(_detected_rows(self.detector, look))
        return known + self._matched(unsure, [*rows, clean(text)] if len(rows) == 2 else [clean(text)])

    def foreign_lines(self, crop: np.ndarray, text: str) -> list[tuple[np.ndarray, str]]:
        crop = without_country_band(crop)
        label = clean(text)
        looks = [(look, label) for look in _whole_crop_looks(crop)]
        quads = [q for q in self.detector.detect(crop) if is_horizontal(q)][: AnyTextPlateReader.max_lines]
        return looks + self._matched([crop_quad(crop, q) for q in quads], [label])

    def _matched(self, images: list[np.ndarray], labels: list[str]) -> list[tuple[np.ndarray, str]]:
        """Each image with the label its stock read is nearest, when near enough (≤ 40 % edits)."""
        images = [im for im in images if is_readable(im, min_side=MIN_LINE_HEIGHT)]
        if not images:
            return []
        kept: list[tuple[np.ndarray, str]] = []
        for image, slots in zip(images, self.stock.recognize(images), strict=True):
            read = "".join(s.best for s in slots)
            label = min(labels, key=lambda lab: edit_distance(read, lab))
            if label and edit_distance(read, label) <= max(1, int(0.4 * len(label))):
                kept.append((image, label))
        return kept


def real_lines(
    plates: Iterable[LabelledPlate],
    maker: LineMaker,
    progress: Callable[[int], None] = lambda _done: None,
) -> Iterator[Line]:
    """The line images of each labelled plate, at each margin."""
    for done, plate in enumerate(plates, 1):
        image = load_image(plate.image)
        for fx, fy in MARGINS:
            x1, y1, x2, y2 = expand(plate.box, image.shape, fx, fy)
            crop = image[y1:y2, x1:x2]
            if not is_readable(crop, min_side=MIN_LINE_HEIGHT):
                continue
            if plate.layout == "foreign":
                pairs, source = maker.foreign_lines(crop, plate.text), "alpr"
            else:
                pairs, source = maker.vn_lines(crop, plate.text, plate.layout), "vn"
            yield from (Line(im, lab, source) for im, lab in pairs if lab and is_readable(im, min_side=4))
        progress(done)


def render_lines(count: int, seed: int = 0) -> Iterator[Line]:
    """Rendered VN plates, photographically degraded, cut into lines as the VN reader does."""
    rng = random.Random(seed)
    for _ in range(count):
        spec = random_spec(rng)
        plate = degrade(render_plate(spec, px_per_mm=rng.uniform(1.0, 2.0)), rng)
        if spec.layout is Layout.car_long:
            pairs = [(plate, clean(spec.lines[0]))]
        else:
            pairs = list(zip(_split_rows(plate), [clean(t) for t in spec.lines], strict=True))
        yield from (Line(im, text, "render") for im, text in pairs)


def augment(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """Blur, a small tilt, brightness and contrast, JPEG: a line as a worse camera would give it."""
    h, w = image.shape[:2]
    if rng.random() < 0.5:
        angle = rng.uniform(-4, 4)
        shear = rng.uniform(-0.15, 0.15)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(0.92, 1.05))
        matrix[0, 1] += shear
        matrix[0, 2] -= shear * h / 2
        image = cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.3:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.3))
    if rng.random() < 0.3:
        scale = rng.uniform(0.35, 0.8)
        small = cv2.resize(
            image, (max(4, round(w * scale)), max(4, round(h * scale))), interpolation=cv2.INTER_AREA
        )
        image = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.6:
        image = np.clip(
            image.astype(np.float32) * rng.uniform(0.6, 1.3) + rng.uniform(-35, 35), 0, 255
        ).astype(np.uint8)
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(30, 90)])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            image = decoded
    return image
