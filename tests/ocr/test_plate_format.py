import pytest

from ocr.plate_format import InvalidPlate, PlateFamily, compact, parse_plate


@pytest.mark.parametrize(
    ("text", "family", "display", "key"),
    [
        ("51G-123.45", PlateFamily.car, "51G-123.45", "51G12345"),
        ("30a 999.99", PlateFamily.car, "30A-999.99", "30A99999"),
        ("51G-1234", PlateFamily.car, "51G-1234", "51G1234"),
        ("20KT-226.22", PlateFamily.car, "20KT-226.22", "20KT22622"),
        ("51RM-123.45", PlateFamily.car, "51RM-123.45", "51RM12345"),
        ("59-X1 374.38", PlateFamily.motorbike, "59-X1 374.38", "59X137438"),
        ("29-MĐ1 223.59", PlateFamily.motorbike, "29-MD1 223.59", "29MD122359"),
        ("30-AB 266.59", PlateFamily.motorbike, "30-AB 266.59", "30AB26659"),
        ("29-B1 1234", PlateFamily.motorbike, "29-B1 1234", "29B11234"),
        ("T80-235.88", PlateFamily.temporary, "T80-235.88", "T8023588"),
        ("80-441-NG-02", PlateFamily.foreign, "80-441-NG-02", "80441NG02"),
        ("43-346 NG-09", PlateFamily.foreign, "43-346-NG-09", "43346NG09"),  # two-line diplomatic
        ("80-NG-631-60", PlateFamily.foreign, "80-NG-631-60", "80NG63160"),  # series before country
        ("80 NN 168.06", PlateFamily.foreign, "80-NN-168-06", "80NN16806"),  # not a motorbike's "80-NN"
        ("43-346-CV-03", PlateFamily.foreign, "43-346-CV-03", "43346CV03"),
        ("TM 23-66", PlateFamily.military, "TM-23-66", "TM2366"),  # army
        ("KP-44-02", PlateFamily.military, "KP-44-02", "KP4402"),
        ("CV-10-89", PlateFamily.military, "CV-10-89", "CV1089"),
    ],
)
def test_parse_valid(text: str, family: PlateFamily, display: str, key: str) -> None:
    plate = parse_plate(text)
    assert (plate.family, plate.display, plate.compact) == (family, display, key)


def test_family_hint_settles_ambiguity() -> None:
    assert parse_plate("29B11234").display == "29B-112.34"
    assert parse_plate("29B11234", family="motorbike").display == "29-B1 1234"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("ABC", "7 to 10"),
        ("TM-23-6", "an army plate 6"),
        ("XM-23-66", "army plate"),  # X names no army branch
        ("10A-123.45", "10 is not a province code"),
        ("42A-123.45", "42 is not a province code"),
        ("51I-123.45", "does not match"),  # I is never a series letter
        ("51O-123.45", "does not match"),
        ("5GA-123.45", "province code"),
        ("51G-12.34", "three and two digits"),
        ("51G-1234.5", "three and two digits"),
    ],
)
def test_parse_invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidPlate, match=message):
        parse_plate(text)


def test_compact() -> None:
    assert compact(" 29-mđ1 / 013.53 ") == "29MD101353"
