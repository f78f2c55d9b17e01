"""Whole real Vietnamese photos (../shared/datasets/vn_real_dev) through the plate pipeline: one row per
failure class that real photos showed. Only photos of the "tune" part of bench/vn_real.py's split."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.config import reset_settings
from detection.images import load_image
from detection.models import resolve
from detection.pipeline import PLATE_CONF, WEAK_READ_CONF, PlateFound, PlatePipeline
from detection.types import iou
from ocr.plate_format import PlateFamily, compact
from ocr.reader import PPOCRPlateReader
from tests.support.datasets import labelled


@pytest.fixture(scope="module")
def pipeline() -> PlatePipeline:
    return PlatePipeline(PPOCRPlateReader())


def _photo(image: str) -> tuple[Path, list[tuple[str, tuple[int, int, int, int]]]]:
    """The photo's path and its readable plates (compact text, box)."""
    items = [item for item in labelled("vn_real_dev") if item.image.name == image]
    assert items, f"{image} is not in vn_real_dev"
    return items[0].image, [(compact(item.text), item.box) for item in items if item.text]


def _read_at(found: list[PlateFound], box: tuple[int, int, int, int]) -> PlateFound | None:
    """The found plate over the labelled box."""
    for plate in found:
        if plate.read and iou(np.array([box], np.float32), np.array([plate.box], np.float32))[0, 0] >= 0.3:
            return plate
    return None


@pytest.mark.parametrize(
    ("image", "family"),
    [
        # car two-line ("square") plates, sharp, 58-94 px wide: once pushed into the motorbike layout
        ("monkez__unnamed_1.jpg", PlateFamily.car),
        ("monkez__0615_44450385_2004060469886183_1937764037068587008_n.jpg", PlateFamily.car),
        # a car two-line plate must not come out in the motorbike grammar ("23-E0 …")
        ("monkez__unnamed_5.jpg", PlateFamily.car),
        # small plates: 33 px (two-line) and 37 px (one-line) wide
        ("butnghiemtuc__oto2.jpg", PlateFamily.car),
        ("monkez__unnamed_2.jpg", PlateFamily.car),
        # a dense motorbike frame: four plates, not only the best one per vehicle
        ("khang210105__anh6.jpg", PlateFamily.motorbike),
        # a close-up whose plate fills the photo (no surroundings for the detector)
        ("monkez__bien-so_thanhnien_rzxj.jpg", PlateFamily.car),
        # a close-up where the detector boxes only parts of the plate (they read nothing)
        ("tranvanhao__6.jpg", PlateFamily.car),
        # hard crops: rows found by the text detector read them, the enhanced crops misread them
        ("monkez__bien-so_thanhnien-2_ljdt.jpg", PlateFamily.car),  # not "88LD0078"
        ("monkez__maxresdefault.jpg", PlateFamily.motorbike),  # not "61F1272"
        # special plates: diplomatic in both orders, army
        ("monkez__xe-ngoai-giao-1_bezk.jpg", PlateFamily.foreign),
        ("monkez__152602_xe-bien-ngoai-giao-4.jpg", PlateFamily.foreign),
        ("monkez__081743-1.jpg", PlateFamily.military),
    ],
)
def test_every_labelled_plate_of_the_photo_is_read(
    pipeline: PlatePipeline, image: str, family: PlateFamily
) -> None:
    path, plates = _photo(image)
    found = pipeline.process(load_image(path)).plates
    for text, box in plates:
        plate = _read_at(found, box)
        assert plate is not None and plate.read is not None, f"{text}: no read at {box} (found {found})"
        assert (plate.read.compact, plate.read.plate.family) == (text, family)


DENSE = "monkez__ban-xe-may-cu-gia-2-trieu-den-duoi-3-trieu.jpg"


@pytest.fixture
def fp32_pipeline(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlatePipeline]:
    monkeypatch.setenv("TVP_MODEL_PRECISION", "fp32")
    reset_settings()
    resolve.cache_clear()
    yield PlatePipeline(PPOCRPlateReader())
    monkeypatch.undo()
    reset_settings()
    resolve.cache_clear()


def test_a_low_scored_plate_that_reads_surely_is_kept(
    pipeline: PlatePipeline, fp32_pipeline: PlatePipeline
) -> None:
    """A dense motorbike frame: the leftmost plate scores 0.1-0.25 with the fp32 whole-frame detector
    and no vehicle crop finds it; its sure read keeps it. (The int8 detector finds it in a vehicle crop,
    scored higher: it must read it too.)"""
    path, plates = _photo(DENSE)
    image = load_image(path)
    box = next(box for text, box in plates if text == "70F12142")
    weak = _read_at(fp32_pipeline.process(image).plates, box)
    assert weak is not None and weak.read is not None and weak.read.compact == "70F12142"
    assert weak.detector_conf < PLATE_CONF
    plate = _read_at(pipeline.process(image).plates, box)
    assert plate is not None and plate.read is not None and plate.read.compact == "70F12142"


@pytest.mark.parametrize("image", [DENSE, "khang210105__anh6.jpg", "tranvanhao__6.jpg"])
def test_low_scored_boxes_without_a_sure_read_are_dropped(pipeline: PlatePipeline, image: str) -> None:
    path, _ = _photo(image)
    for plate in pipeline.process(load_image(path)).plates:
        if plate.detector_conf < PLATE_CONF:
            assert plate.read is not None and plate.read.confidence >= WEAK_READ_CONF, plate
