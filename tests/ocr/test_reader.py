"""The real PP-OCRv4 model on generated Vietnamese plates (one- and two-line, all colours)."""

import random

import cv2
import numpy as np
import pytest

from ocr.plate_format import PlateFamily, parse_plate
from ocr.reader import PPOCRPlateReader, _detected_rows, _layouts
from ocr.render import Colour, Layout, PlateSpec, degrade, random_spec, render_plate


@pytest.fixture(scope="module")
def reader() -> PPOCRPlateReader:
    return PPOCRPlateReader()


@pytest.mark.parametrize(
    ("text", "family", "layout", "colour", "lines"),
    [
        ("51G-123.45", "car", Layout.car_long, Colour.white, 1),
        ("30A-999.99", "car", Layout.car_long, Colour.yellow, 1),
        ("80B-001.23", "car", Layout.car_long, Colour.blue, 1),
        ("20KT-226.22", "car", Layout.car_long, Colour.white, 1),
        ("30A-123.45", "car", Layout.car_short, Colour.white, 2),
        ("59-X1 374.38", "motorbike", Layout.motorbike, Colour.white, 2),
        ("29-MD1 223.59", "motorbike", Layout.motorbike, Colour.white, 2),
        ("30-AB 266.59", "motorbike", Layout.motorbike, Colour.white, 2),
        ("29-B1 1234", "motorbike", Layout.motorbike, Colour.white, 2),
    ],
)
def test_reads_clean_plates(
    reader: PPOCRPlateReader, text: str, family: str, layout: Layout, colour: Colour, lines: int
) -> None:
    spec = PlateSpec(parse_plate(text, family=family), layout, colour)
    img = degrade(render_plate(spec), random.Random(5), target_width=220)
    read = reader.read(img)
    assert read is not None, text
    assert (read.text, read.lines) == (spec.plate.display, lines)
    assert len(read.char_conf) == len(read.compact) and read.confidence > 0.5


def test_accuracy_on_a_generated_set(reader: PPOCRPlateReader) -> None:
    rng = random.Random(2026)
    specs = [random_spec(rng) for _ in range(80)]
    crops = [degrade(render_plate(s), rng, target_width=rng.randint(120, 240)) for s in specs]
    reads = reader.read_many(crops)
    exact = sum(
        1 for s, r in zip(specs, reads, strict=True) if r is not None and r.compact == s.plate.compact
    )
    assert exact / len(specs) >= 0.9, f"{exact}/{len(specs)} exact"
    two_line = [(s, r) for s, r in zip(specs, reads, strict=True) if s.layout is not Layout.car_long]
    assert sum(1 for s, r in two_line if r and r.compact == s.plate.compact) / len(two_line) >= 0.85


def test_motorbike_family_from_layout(reader: PPOCRPlateReader) -> None:
    spec = PlateSpec(parse_plate("29-B1 1234", family="motorbike"), Layout.motorbike)
    read = reader.read(render_plate(spec, px_per_mm=1.2))
    assert read is not None and read.plate.family is PlateFamily.motorbike


@pytest.mark.parametrize(
    "crop",
    [np.zeros((0, 0, 3), np.uint8), np.zeros((2, 50, 3), np.uint8), np.full((40, 160, 3), 255, np.uint8)],
)
def test_no_text_gives_no_read(reader: PPOCRPlateReader, crop: np.ndarray) -> None:
    assert reader.read(crop) is None


@pytest.mark.parametrize(
    ("shape", "layouts"),
    [
        ((100, 136), ["two", "one"]),  # motorbike 1.36:1
        ((100, 200), ["two", "one"]),  # car two-line 2:1, or a steeply tilted one-line plate
        ((100, 280), ["one", "two"]),  # a tilted one-line plate, or a wide two-line crop
        ((100, 470), ["one", "two"]),  # one-line 4.7:1, or a loose box round a two-line plate
        ((3, 40), []),  # too small to read
    ],
)
def test_both_layouts_the_nearer_first(shape: tuple[int, int], layouts: list[str]) -> None:
    assert _layouts(np.zeros((*shape, 3), np.uint8)) == layouts


def test_a_sure_read_is_not_tried_in_the_other_layout(reader: PPOCRPlateReader) -> None:
    spec = PlateSpec(parse_plate("30A-123.45", family="car"), Layout.car_short)
    crop = render_plate(spec)
    assert 1.9 <= crop.shape[1] / crop.shape[0] <= 3.2  # both layouts are possible
    batches: list[int] = []
    recognize = reader.recognizer.recognize

    def counting(images: list[np.ndarray]):
        batches.append(len(images))
        return recognize(images)

    reader.recognizer.recognize = counting  # type: ignore[method-assign]
    try:
        read = reader.read(crop)
    finally:
        del reader.recognizer.recognize
    assert read is not None and read.text == "30A-123.45" and read.lines == 2
    assert batches == [2]  # the two rows only: no one-line attempt, no second look


def _tilted(img: np.ndarray, degrees: float) -> np.ndarray:
    h, w = img.shape[:2]
    pad = cv2.copyMakeBorder(img, h // 5, h // 5, w // 10, w // 10, cv2.BORDER_CONSTANT, value=(60, 60, 60))
    ph, pw = pad.shape[:2]
    matrix = cv2.getRotationMatrix2D((pw / 2, ph / 2), degrees, 1.0)
    return cv2.warpAffine(pad, matrix, (pw, ph), borderValue=(60, 60, 60))


@pytest.mark.parametrize(
    ("text", "family", "layout", "rows"),
    [
        ("59-X1 374.38", "motorbike", Layout.motorbike, 2),
        ("30A-123.45", "car", Layout.car_short, 2),
        ("51G-123.45", "car", Layout.car_long, 1),
    ],
)
def test_rows_found_by_text_detection_read_a_tilted_plate(
    reader: PPOCRPlateReader, text: str, family: str, layout: Layout, rows: int
) -> None:
    crop = _tilted(render_plate(PlateSpec(parse_plate(text, family=family), layout)), 9)
    assert len(_detected_rows(reader.detector, crop)) == rows
    read = reader._read_detected_lines([crop])[0]
    assert read is not None and (read.text, read.lines) == (text, rows)
