"""The plate reader on real Vietnamese photos of the vn_real_dev "tune" part (labelled boxes, with the
pipeline's crop margin). Only tune photos: the held-out part is for reporting, never for tests."""

import csv

import numpy as np
import pytest

from detection.images import load_image
from detection.pipeline import expand_box
from ocr.plate_format import compact
from ocr.reader import PPOCRPlateReader
from ocr.recognizer import MAX_PADDING, MIN_WIDTH, width_groups
from tests.support.datasets import SHARED, labelled

TUNE_DIGITS = "012345"  # bench/vn_real.py's split: sha256 first hex digit
# photo, plate (compact), recogniser batches a confident read takes (first layout only: 1 row or 2)
TUNE = [
    ("images/hohuynhnhu__51e1c7ce-13.jpg", "51A13883", [1]),  # car one-line
    ("images/hohuynhnhu__8e84ee56-9.jpg", "30G63223", [1]),
    ("images/monkez__mercedesg-63-bienvang-2-1602118706450.jpg", "24E00001", [2]),  # car two-line
    ("images/monkez__0615_44450385_2004060469886183_1937764037068587008_n.jpg", "80B3758", [2]),
    ("images/hohuynhnhu__0a4cc944-4.jpg", "89E118896", [2]),  # motorbike
    ("images/monkez__174944210620201_MMYV.jpg", "43346NG09", [2]),  # diplomatic two-line
    ("images/monkez__152602_xe-bien-ngoai-giao-4.jpg", "80NG63160", [1]),  # diplomatic one-line
]


@pytest.fixture(scope="module")
def crops() -> dict[tuple[str, str], np.ndarray]:
    items = labelled("vn_real_dev")
    root = SHARED / "datasets" / "vn_real_dev"
    with open(root / "image_meta.csv", newline="") as fh:
        tune = {r["image"] for r in csv.DictReader(fh) if r["sha256"][0] in TUNE_DIGITS}
    out = {}
    for image, text, _ in TUNE:
        assert image in tune, image
        item = next(i for i in items if i.image == root / image and compact(i.text) == text)
        frame = load_image(item.image)
        x1, y1, x2, y2 = expand_box(np.array(item.box, np.float32), frame.shape, 0.1, 0.1).astype(int)
        out[(image, text)] = frame[y1:y2, x1:x2]
    return out


@pytest.fixture(scope="module")
def reader() -> PPOCRPlateReader:
    return PPOCRPlateReader()


@pytest.mark.parametrize(("image", "text", "batches"), TUNE)
def test_a_confident_real_read_takes_one_recogniser_call(
    reader: PPOCRPlateReader, crops: dict, image: str, text: str, batches: list[int]
) -> None:
    calls: list[int] = []
    recognize = reader.recognizer.recognize

    def counting(images: list[np.ndarray]):
        calls.append(len(images))
        return recognize(images)

    reader.recognizer.recognize = counting  # type: ignore[method-assign]
    try:
        read = reader.read(crops[(image, text)])
    finally:
        del reader.recognizer.recognize
    assert read is not None and read.compact == text
    assert calls == batches


def test_a_photos_plates_read_together_as_one_by_one(reader: PPOCRPlateReader, crops: dict) -> None:
    together = reader.read_many(list(crops.values()))
    alone = [reader.read(c) for c in crops.values()]
    assert [r and r.compact for r in together] == [r and r.compact for r in alone]
    assert [r and r.compact for r in together] == [text for _, text, _ in TUNE]


@pytest.mark.parametrize(
    "widths",
    [[], [50], [450, 120, 96, 130, 470, 30, 240], [96] * 5 + [1000]],
)
def test_width_groups_bound_the_padding(widths: list[int]) -> None:
    groups = width_groups(widths)
    assert sorted(i for g in groups for i in g) == list(range(len(widths)))
    for g in groups:
        padded = [max(widths[i], MIN_WIDTH) for i in g]
        assert max(padded) <= min(padded) * MAX_PADDING
