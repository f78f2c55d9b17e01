"""PP-OCRv4 text detection on drawn plates: lines found, tallest first, a split line joined."""

import cv2
import numpy as np
import pytest

from ocr.foreign import without_country_band
from ocr.text_detector import TextDetector, crop_quad


def _plate(big: str, small: str, gap: int = 0) -> np.ndarray:
    img = np.full((120, 360, 3), 235, np.uint8)
    cv2.putText(img, small, (110, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 40), 1, cv2.LINE_AA)
    x = 20
    for part in big.split(" "):
        cv2.putText(img, part, (x, 95), cv2.FONT_HERSHEY_DUPLEX, 1.8, (10, 10, 10), 3, cv2.LINE_AA)
        x += cv2.getTextSize(part, cv2.FONT_HERSHEY_DUPLEX, 1.8, 3)[0][0] + gap
    return img


def test_tallest_line_first_and_rectified() -> None:
    img = _plate("7ABC123", "CALIFORNIA")
    quads = TextDetector().detect(img)
    assert len(quads) == 2
    number, state = quads
    assert number[:, 1].mean() > state[:, 1].mean()  # the big number is below the state name
    line = crop_quad(img, number)
    assert line.shape[0] > 30 and line.shape[1] > 4 * line.shape[0]


def test_a_line_split_by_a_gap_is_joined() -> None:
    img = _plate("1B8 0338", "", gap=45)  # an emblem or a sticker between the groups
    quads = TextDetector().detect(img)
    assert len(quads) == 1
    assert quads[0][:, 0].max() - quads[0][:, 0].min() > 250  # spans both groups


def test_blank_image_has_no_lines() -> None:
    assert TextDetector().detect(np.full((60, 200, 3), 200, np.uint8)) == []


def _white_plate(band: int = 0, colour: tuple[int, int, int] = (235, 235, 235)) -> np.ndarray:
    img = np.full((60, 300, 3), colour, np.uint8)
    if band:
        img[:, 2 : 2 + band] = (160, 50, 0)  # EU blue (BGR)
    return img


def test_eu_country_band_is_cut_off() -> None:
    cropped = without_country_band(_white_plate(band=24))
    assert cropped.shape[1] == 300 - 26


@pytest.mark.parametrize(
    "plate",
    [_white_plate(), _white_plate(band=4), _white_plate(colour=(160, 50, 0))],
    ids=["no band", "a blue rim, not a band", "a blue plate"],
)
def test_plates_without_a_band_are_left_whole(plate: np.ndarray) -> None:
    assert without_country_band(plate).shape == plate.shape
