"""The recogniser on real photographs (OpenALPR EU/US plate regions, human labels)."""

import pytest

from detection.images import load_image
from ocr.recognizer import LineRecognizer
from tests.support.datasets import labelled


def _fold(text: str) -> str:
    return text.replace("O", "0")  # some labels write the letter O as the digit 0


@pytest.mark.parametrize(("dataset", "minimum"), [("openalpr_eu", 0.75), ("openalpr_us", 0.5)])
def test_reads_real_plate_regions(dataset: str, minimum: float) -> None:
    rec = LineRecognizer()
    items = labelled(dataset)
    exact = 0
    for item in items:
        image = load_image(item.image)
        assert image is not None, item.image
        x1, y1, x2, y2 = item.box
        slots = rec.recognize([image[y1:y2, x1:x2]])[0]
        text = "".join(s.best for s in slots if s.best not in "-.")
        exact += _fold(text) == _fold(item.text)
    assert exact / len(items) >= minimum, f"{exact}/{len(items)}"
