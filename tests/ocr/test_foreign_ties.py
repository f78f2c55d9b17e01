"""How the foreign-plate reader chooses between its readings when they score the same."""

from typing import cast

import numpy as np

from ocr.foreign import AnyTextPlateReader
from ocr.recognizer import SYMBOLS, LineRecognizer, Slot
from ocr.text_detector import TextDetector

LINE = np.array([[40, 15], [160, 15], [160, 45], [40, 45]], np.float32)  # 120 × 30 px


def _slots(text: str, confidence: float) -> list[Slot]:
    slots = []
    for ch in text:
        probs = np.full(len(SYMBOLS), (1 - confidence) / (len(SYMBOLS) - 1))
        probs[SYMBOLS.index(ch)] = confidence
        slots.append(Slot(probs))
    return slots


class _OneLine:
    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        return [LINE]


class _ByWidth:
    """The detector's box (120 px) clips the last character; the padded box (138 px) holds it, read
    a hair less confidently; the whole crop (200 px and more) reads nothing."""

    def recognize(self, images: list[np.ndarray]) -> list[list[Slot]]:
        reads = []
        for image in images:
            width = image.shape[1]
            if width < 130:
                reads.append(_slots("HH9G5", 0.99999))
            elif width < 150:
                reads.append(_slots("HH9G5W", 0.99998))
            else:
                reads.append([])
        return reads


def test_a_padded_line_wins_a_tie_with_its_clipped_box() -> None:
    reader = AnyTextPlateReader(cast(LineRecognizer, _ByWidth()), cast(TextDetector, _OneLine()))
    read = reader.read(np.full((60, 200, 3), 128, np.uint8))
    assert read is not None and read.compact == "HH9G5W"


def test_a_clear_lead_still_wins() -> None:
    class _ClippedClearlyBetter(_ByWidth):
        def recognize(self, images: list[np.ndarray]) -> list[list[Slot]]:
            reads = {True: _slots("HH9G5", 0.999), False: _slots("HH9G5W", 0.99)}
            return [reads[im.shape[1] < 130] if im.shape[1] < 150 else [] for im in images]

    reader = AnyTextPlateReader(cast(LineRecognizer, _ClippedClearlyBetter()), cast(TextDetector, _OneLine()))
    read = reader.read(np.full((60, 200, 3), 128, np.uint8))
    assert read is not None and read.compact == "HH9G5"


class _Fixed:
    """Reads every image as ``text``, its first character at ``first``, the others at 0.99."""

    def __init__(self, text: str, first: float):
        self.text, self.first, self.calls = text, first, 0

    def recognize(self, images: list[np.ndarray]) -> list[list[Slot]]:
        self.calls += 1
        return [_slots(self.text[0], self.first) + _slots(self.text[1:], 0.99) for _ in images]


def _with_second_opinion(first: _Fixed, second: _Fixed) -> AnyTextPlateReader:
    return AnyTextPlateReader(
        cast(LineRecognizer, first),
        cast(TextDetector, _OneLine()),
        second_opinion=cast(LineRecognizer, second),
    )


def test_an_unsure_first_character_is_read_again_by_the_second_opinion_and_averaged() -> None:
    first, second = _Fixed("1868321", 0.9), _Fixed("J868321", 0.99)
    read = _with_second_opinion(first, second).read(np.full((60, 200, 3), 128, np.uint8))
    assert read is not None and read.compact == "J868321" and second.calls == 1


def test_a_sure_read_asks_no_second_opinion() -> None:
    first, second = _Fixed("HH9G5W", 0.97), _Fixed("1H9G5W", 0.999)
    read = _with_second_opinion(first, second).read(np.full((60, 200, 3), 128, np.uint8))
    assert read is not None and read.compact == "HH9G5W" and second.calls == 0


def test_the_second_opinion_changes_only_the_first_character() -> None:
    first, second = _Fixed("1868321", 0.9), _Fixed("J868371", 0.99)
    read = _with_second_opinion(first, second).read(np.full((60, 200, 3), 128, np.uint8))
    assert read is not None and read.compact == "J868321"


class _LinesOnly(_Fixed):
    """Reads only the detector's lines (up to 138 px wide), not the whole crop."""

    def recognize(self, images: list[np.ndarray]) -> list[list[Slot]]:
        reads = super().recognize(images)
        return [read if image.shape[1] < 150 else [] for read, image in zip(reads, images, strict=True)]


def test_images_neither_model_reads_are_skipped() -> None:
    first, second = _LinesOnly("1868321", 0.9), _LinesOnly("J868321", 0.99)
    read = _with_second_opinion(first, second).read(np.full((60, 200, 3), 128, np.uint8))
    assert read is not None and read.compact == "J868321"
