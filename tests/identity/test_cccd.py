from datetime import date

import pytest

from identity.cccd import InvalidCCCD, Sex, make_cccd, parse_cccd, validate_cccd


@pytest.mark.parametrize(
    ("number", "province", "sex", "year"),
    [
        ("079090123456", "TP Hồ Chí Minh", Sex.male, 1990),
        ("001185000001", "Hà Nội", Sex.female, 1985),
        ("048203999999", "Đà Nẵng", Sex.male, 2003),
        ("096310000123", "Cà Mau", Sex.female, 2010),
    ],
)
def test_parse_valid(number: str, province: str, sex: Sex, year: int) -> None:
    info = parse_cccd(number)
    assert (info.province, info.sex, info.birth_year) == (province, sex, year)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("07909012345", "12 digits"),
        ("0790901234567", "12 digits"),
        ("07909012345a", "12 digits"),
        ("", "12 digits"),
        ("079090123456\n", "12 digits"),  # `$` also matches before a trailing newline
        ("٠٧٩٠٩٠١٢٣٤٥٦", "12 digits"),  # Arabic-Indic digits are Unicode \d
        ("003090123456", "province code '003'"),
        ("097090123456", "province code '097'"),
    ],
)
def test_parse_invalid(number: str, message: str) -> None:
    with pytest.raises(InvalidCCCD, match=message):
        parse_cccd(number)


@pytest.mark.parametrize(
    ("number", "birth", "sex", "message"),
    [
        ("079090123456", date(1991, 1, 1), Sex.male, "birth year 1990"),
        ("079290123456", date(1990, 1, 1), Sex.male, "birth year 2090"),
        ("079190123456", date(1990, 1, 1), Sex.male, "sex female"),
        ("079090123456", date(1990, 1, 1), Sex.female, "sex male"),
    ],
)
def test_validate_inconsistent(number: str, birth: date, sex: Sex, message: str) -> None:
    with pytest.raises(InvalidCCCD, match=message):
        validate_cccd(number, birth_date=birth, sex=sex)


@pytest.mark.parametrize("year", [1901, 1999, 2000, 2024, 2150])
@pytest.mark.parametrize("sex", list(Sex))
def test_make_round_trips(year: int, sex: Sex) -> None:
    number = make_cccd("001", year, sex, 42)
    assert validate_cccd(number, birth_date=date(year, 2, 3), sex=sex).birth_year == year
