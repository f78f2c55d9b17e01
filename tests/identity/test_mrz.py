from __future__ import annotations

from datetime import date

import pytest

from identity.cccd import Sex
from identity.errors import MRZError
from identity.mrz import build_cccd_mrz, check_digit, parse_cccd_mrz, parse_td1
from tests.support.identity import citizen

# ICAO 9303 Part 5 TD1 specimen (Utopia) and Part 11 Appendix D check-digit examples.
ICAO_TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
# A synthetic CCCD generated with the `mrz` package (see the identity reference), column 30 of line 1
# holding the check digit over the 12-digit ID (0 for 001099012345) as on real cards.
CCCD = ["IDVNM0990123459001099012345<<0", "9901018M3901016VNM<<<<<<<<<<<0", "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"]


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C<", "3"),
        ("690806", "1"),
        ("940623", "6"),
        ("D23145890", "7"),
        ("740812", "2"),
        ("120415", "9"),
    ],
)
def test_icao_published_check_digits(field: str, digit: str) -> None:
    assert check_digit(field) == digit


def test_icao_td1_specimen_validates() -> None:
    td1 = parse_td1(ICAO_TD1)
    assert (td1.document_number, td1.birth, td1.expiry, td1.sex) == ("D23145890", "740812", "120415", "F")
    assert td1.surname_and_given == ("ERIKSSON", "ANNA MARIA")


def test_icao_specimen_is_not_a_cccd() -> None:
    with pytest.raises(MRZError) as err:
        parse_cccd_mrz(ICAO_TD1)
    assert err.value.code == "mrz.not_cccd"


def test_cccd_sample() -> None:
    r = parse_cccd_mrz("\n".join(CCCD))
    assert (r.id12, r.full_name, r.birth_date, r.sex, r.expiry) == (
        "001099012345",
        "NGUYEN VAN AN",
        date(1999, 1, 1),
        Sex.male,
        date(2039, 1, 1),
    )
    assert r.source == "mrz" and set(r.provenance) == {"id12", "full_name", "birth_date", "sex", "expiry"}


def test_builder_reproduces_the_sample() -> None:
    assert build_cccd_mrz(
        "001099012345", "Nguyễn Văn An", date(1999, 1, 1), Sex.male, date(2039, 1, 1)
    ) == "\n".join(CCCD)


def test_generated_citizens_round_trip() -> None:
    for i in range(5):
        c = citizen(i)
        r = parse_cccd_mrz(build_cccd_mrz(c.id12, c.full_name, c.birth_date, c.sex, c.expiry))
        assert (r.id12, r.birth_date, r.sex, r.expiry) == (c.id12, c.birth_date, c.sex, c.expiry)


def _with(line: int, col: int, char: str, base: list[str] = CCCD) -> list[str]:
    lines = list(base)
    lines[line] = lines[line][:col] + char + lines[line][col + 1 :]
    return lines


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (_with(0, 14, "8"), "mrz.check_digit.document_number"),
        (_with(0, 8, "1"), "mrz.check_digit.document_number"),  # a document-number digit misread
        (_with(1, 6, "9"), "mrz.check_digit.birth_date"),
        (_with(1, 3, "2"), "mrz.check_digit.birth_date"),
        (_with(1, 14, "5"), "mrz.check_digit.expiry"),
        (_with(1, 29, "1"), "mrz.check_digit.composite"),
        (_with(0, 29, "7"), "mrz.check_digit.composite"),  # col 30 is inside the composite too
        (_with(1, 7, "F"), None),  # sex has no check digit: the MRZ stays valid (cross-checks catch it)
    ],
)
def test_each_check_digit_is_verified(lines: list[str], code: str | None) -> None:
    if code is None:
        assert parse_cccd_mrz(lines).sex is Sex.female
        return
    with pytest.raises(MRZError) as err:
        parse_cccd_mrz(lines)
    assert err.value.code == code


def test_id12_check_digit_alone() -> None:
    # Change an ID digit and its composite so only the col-30 ID check digit is wrong.
    from identity.mrz import check_digit as cd

    lines = _with(0, 26, "6")  # 00109901234[5→6]
    lines = _with(1, 29, cd(lines[0][5:30] + lines[1][0:7] + lines[1][8:15] + lines[1][18:29]), lines)
    with pytest.raises(MRZError) as err:
        parse_cccd_mrz(lines)
    assert err.value.code == "mrz.check_digit.id12"


def test_document_number_must_be_the_ids_last_nine_digits() -> None:
    good = build_cccd_mrz("001099012345", "An", date(1999, 1, 1), Sex.male, date(2039, 1, 1)).split("\n")
    doc = "099012346"
    l1 = f"IDVNM{doc}{check_digit(doc)}{good[0][15:]}"
    l2 = good[1][:29] + check_digit(l1[5:30] + good[1][0:7] + good[1][8:15] + good[1][18:29])
    with pytest.raises(MRZError) as err:
        parse_cccd_mrz([l1, l2, good[2]])
    assert err.value.code == "mrz.document_number"


@pytest.mark.parametrize(
    ("mrz", "code"),
    [
        (CCCD[:2], "mrz.shape"),
        ([CCCD[0][:29], CCCD[1], CCCD[2]], "mrz.shape"),
        ([CCCD[0], CCCD[1], CCCD[2].lower()], "mrz.charset"),
        ("", "mrz.shape"),
    ],
)
def test_malformed(mrz: list[str] | str, code: str) -> None:
    with pytest.raises(MRZError) as err:
        parse_cccd_mrz(mrz)
    assert err.value.code == code
