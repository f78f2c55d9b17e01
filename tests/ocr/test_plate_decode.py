"""Grammar-constrained decoding, table-driven, on hand-made recogniser outputs (no model)."""

import numpy as np
import pytest

from ocr.plate_decode import BOTTOM_ROW, ONE_LINE, TOP_ROW, decode_row
from ocr.plate_format import PlateFamily
from ocr.reader import _decode_rows
from ocr.recognizer import SYMBOLS, Slot


def slots(spec: str) -> list[Slot]:
    """'5 1 B/8 ~J': each token is the read character, '/alt' the runner-up, '~' a weak read."""
    out = []
    for token in spec.split():
        weak = token.startswith("~")
        best, _, alt = token.lstrip("~").partition("/")
        probs = np.full(len(SYMBOLS), 0.001)
        probs[SYMBOLS.index(best)] = 0.3 if weak else 0.7
        if alt:
            probs[SYMBOLS.index(alt)] = 0.25
        out.append(Slot(probs / probs.sum()))
    return out


@pytest.mark.parametrize(
    ("read", "shapes", "expected"),
    [
        ("5 1 G 1 2 3 4 5", ONE_LINE, "51G12345"),  # clean
        ("5 1 6/G 1 2 3 4 5", ONE_LINE, "51G12345"),  # 6 at the series letter → G
        ("5 1 8/B 1 2 3 4 5", ONE_LINE, "51B12345"),  # 8 → B at a letter slot
        ("5 1 0/D 1 2 3 4 5", ONE_LINE, "51D12345"),  # 0 → D (never O)
        ("5 1 G 1 2 3 B/8 5", ONE_LINE, "51G12385"),  # B → 8 at a digit slot
        ("5 1 G 1 Z/2 3 4 5", ONE_LINE, "51G12345"),  # Z → 2
        ("S/5 1 G 1 2 3 4 5", ONE_LINE, "51G12345"),  # S → 5 in the province code
        ("4/1 2 A 1 2 3 4 5", ONE_LINE, "12A12345"),  # 42 is no province: the runner-up 1 gives 12
        ("2 0 K T 3 5 2 4", ONE_LINE, "20KT3524"),  # two-letter special series, 4 digits
        ("5 1 G 1 2 3 4", ONE_LINE, "51G1234"),  # legacy 4-digit number
        ("~1 5 1 G 1 2 3 4 5", ONE_LINE, "51G12345"),  # a weak leading character (the rim) is dropped
        ("5 9 X 1", TOP_ROW, "59X1"),
        ("5 9 X I/1", TOP_ROW, "59X1"),
        ("2 9 A B", TOP_ROW, "29AB"),  # both letters legal: not forced to a digit
        ("2 9 A 8/B", TOP_ROW, "29A8"),  # …and a digit stays a digit there
        ("2 9 M D 1", TOP_ROW, "29MD1"),
        ("3 7 4 . 3 8", BOTTOM_ROW, "37438"),
        ("3 7 4 3 8 J", BOTTOM_ROW, "37438"),  # trailing junk from the rim is dropped
        ("3 7 4 3 8 ~1", BOTTOM_ROW, "37438"),  # of six digits, the weak one goes
        ("~3 7 4 3 8 1", BOTTOM_ROW, "74381"),
    ],
)
def test_decode_row(read: str, shapes, expected: str | None) -> None:
    row = decode_row(slots(read), shapes)
    assert (row.text if row else None) == expected


def test_too_short_or_long_rows_do_not_fit() -> None:
    assert decode_row(slots("5 1 G 1 2"), ONE_LINE) is None
    assert decode_row(slots("5 1 G 1 2 3 4 5 6 7 8 9"), ONE_LINE) is None


def test_char_confidence_is_the_chosen_characters_probability() -> None:
    row = decode_row(slots("5 1 G 1 2 3 B/8 5"), ONE_LINE)
    assert row is not None
    assert row.char_conf[6] == pytest.approx(0.25 / (0.7 + 0.25 + 0.001 * (len(SYMBOLS) - 2)))
    assert row.char_conf[0] > 0.6


@pytest.mark.parametrize(
    ("top", "bottom", "expected", "family"),
    [
        ("7 5 A", "1 1 8 . 3 7", "75A-118.37", PlateFamily.car),  # a car's two-line plate, whatever the crop
        ("3 7 S A", "1 1 8 . 3 7", "37-SA 118.37", PlateFamily.motorbike),
        ("5 9 X 1", "1 1 8 . 3 7", "59-X1 118.37", PlateFamily.motorbike),
        (
            "2 9 B Z/2",
            "4 5 2 . 3 0",
            "29-B2 452.30",
            PlateFamily.motorbike,
        ),  # Z or 2: the letter+digit series
        ("4 3 - 3 4 6", "N G - 0 9", "43-346-NG-09", PlateFamily.foreign),
        ("8 0 - N G", "3 7 6 - 2 7", "80-NG-376-27", PlateFamily.foreign),
        ("T M", "2 3 - 6 6", "TM-23-66", PlateFamily.military),
    ],
)
def test_two_rows_family_decided_by_the_read(
    top: str, bottom: str, expected: str, family: PlateFamily
) -> None:
    read = _decode_rows([slots(top), slots(bottom)])
    assert read is not None and (read.text, read.plate.family) == (expected, family)


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("8 0 N G 6 3 1 6 0", "80-NG-631-60"),
        ("4 3 3 4 6 C V 0 3", "43-346-CV-03"),
        ("K P 4 4 0 2", "KP-44-02"),
        ("4/A F 6 9 8 3", None),  # digits are not forced into an army series…
        ("T F 5 5 2 9 5", None),  # …nor is a character dropped to make one
    ],
)
def test_special_plates_on_one_line(read: str, expected: str | None) -> None:
    got = _decode_rows([slots(read)])
    if expected is None:  # whatever else it may be read as, not a special plate
        assert got is None or got.plate.family not in (PlateFamily.military, PlateFamily.foreign)
    else:
        assert got is not None and got.text == expected


def test_a_tie_goes_to_the_first_allowed_character_or_pair() -> None:
    from ocr.plate_decode import PROVINCES, _choose, _choose_pair

    flat = Slot(np.full(len(SYMBOLS), 1 / len(SYMBOLS)))
    assert _choose(flat, "0123456789") == ("0", pytest.approx(1 / len(SYMBOLS)))
    assert _choose_pair(flat, flat, PROVINCES)[0] == PROVINCES[0]
    assert _choose_pair(flat, flat, ("MD",))[0] == "MD"
