"""One read per vehicle: the vote over a track's plate reads."""

import cv2
import numpy as np

from ocr.plate_format import parse_plate
from ocr.reader import PlateRead
from ocr.vote import TrackVotes


def _read(text: str, conf: float) -> PlateRead:
    plate = parse_plate(text)
    return PlateRead(plate, conf, tuple(conf for _ in plate.compact), len(plate.lines))


def test_vote_weighs_confidence_and_keeps_alternatives() -> None:
    votes = TrackVotes()
    for text, conf in [("51G-123.45", 0.9), ("51G-123.45", 0.8), ("51G-128.45", 0.95), ("51C-123.45", 0.3)]:
        votes.add(_read(text, conf))
    verdict = votes.verdict()
    assert verdict is not None
    assert verdict.best.text == "51G-123.45" and verdict.votes == 2 and verdict.total_reads == 4
    assert [a.compact for a in verdict.alternatives] == ["51G12845", "51C12345"]
    assert TrackVotes().verdict() is None


def test_sharper_crops_count_more() -> None:
    sharp = np.zeros((40, 160, 3), np.uint8)
    sharp[:, ::4] = 255
    blurred = cv2.GaussianBlur(sharp, (9, 9), 4)
    votes = TrackVotes()
    votes.add(_read("30A-999.99", 0.9), blurred)
    votes.add(_read("30A-999.99", 0.9), blurred)
    votes.add(_read("30A-998.99", 0.9), sharp)
    votes.add(_read("30A-998.99", 0.9), sharp)
    assert votes.verdict().best.text == "30A-998.99"  # type: ignore[union-attr]
