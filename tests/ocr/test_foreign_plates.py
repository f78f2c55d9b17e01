"""The foreign-plate reader on real OpenALPR photos, one row per failure class it was fixed for (the
labelled region with the margin the pipeline gives plate boxes; the expected text is the label)."""

from pathlib import Path

import numpy as np
import pytest

from detection.images import load_image
from detection.pipeline import PlatePipeline, expand_box
from ocr.foreign import AnyTextPlateReader
from tests.support.datasets import Labelled, labelled


def _fold(text: str) -> str:
    return text.replace("O", "0")  # some labels write the letter O as the digit 0


def _item(dataset: str, name: str) -> Labelled:
    return next(item for item in labelled(dataset) if Path(item.image).name == name)


def _crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x1, y1, x2, y2 = expand_box(np.array(box, np.float32), image.shape, 0.1, 0.1).astype(int)
    return image[y1:y2, x1:x2]


@pytest.fixture(scope="module")
def reader() -> AnyTextPlateReader:
    return AnyTextPlateReader()


@pytest.mark.parametrize(
    ("dataset", "name"),
    [
        ("openalpr_us", "wts-lg-000010.jpg"),  # the line's box clips the last character
        ("openalpr_us", "wts-lg-000042.jpg"),  # ditto, and a faint character inside
        ("openalpr_us", "wts-lg-000091.jpg"),  # the first character at the box's edge read as a 1
        ("openalpr_us", "wts-lg-000125.jpg"),  # a Q clipped at the box's edge read as an O
        ("openalpr_us", "wts-lg-000143.jpg"),  # a dealer frame's print under the number
        ("openalpr_us", "wts-lg-000199.jpg"),  # the detector's line holds half the number
        ("openalpr_eu", "test_071.jpg"),  # a sticker between the groups, read as a character
        ("openalpr_eu", "test_009.jpg"),  # ditto
    ],
)
def test_reads_the_plate_number(reader: AnyTextPlateReader, dataset: str, name: str) -> None:
    item = _item(dataset, name)
    image = load_image(item.image)
    read = reader.read(_crop(image, item.box))
    assert read is not None and _fold(read.compact) == _fold(item.text), read


@pytest.fixture(scope="module")
def pipeline(reader: AnyTextPlateReader) -> PlatePipeline:
    return PlatePipeline(reader)


@pytest.mark.parametrize(
    "name",
    [
        "car8.jpg",  # the plate detector's box clips the last character
        "wts-lg-000074.jpg",  # ditto
        "car9-4.jpg",  # the box clips the first character
        "wts-lg-000098.jpg",  # a gap in the number: the text detector's lines change with the margin
    ],
)
def test_the_pipeline_reads_plates_its_detector_clips(pipeline: PlatePipeline, name: str) -> None:
    """Whole photos: the VN-trained plate detector's box cuts into these US plates; its crops with
    wider margins let the reads agree on the whole number."""
    item = _item("openalpr_us", name)
    result = pipeline.process(load_image(item.image))
    texts = [_fold(p.read.compact) for p in result.plates if p.read]
    assert _fold(item.text) in texts, texts


@pytest.mark.parametrize(
    ("name", "box"),
    [
        ("21d8c31d-3deb-494b-9c63-c0223306fd82.jpg", (325, 49, 437, 75)),  # a phone number on a van
        ("us10.jpg", (303, 295, 516, 325)),  # a state name above the plate
        ("wts-lg-000189.jpg", (969, 58, 996, 74)),  # a car maker's badge
    ],
)
def test_signs_and_badges_are_no_read(
    reader: AnyTextPlateReader, name: str, box: tuple[int, int, int, int]
) -> None:
    """Boxes the plate detector took for plates in these photos (checked by eye: not plates)."""
    image = load_image(_item("openalpr_us", name).image)
    assert reader.read(_crop(image, box)) is None
