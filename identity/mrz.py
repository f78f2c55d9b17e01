"""ICAO 9303 TD1 machine-readable zone (3 lines × 30), as printed on the back of the CCCD.

CCCD layout (``IDVNM``): document number = the last 9 digits of the 12-digit ID; optional data 1 =
the 12-digit ID, ``<<``, and a check digit over those 12 digits (column 30 of line 1). Every check digit
is verified: document number, birth date, expiry, the ID's, and the composite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from identity.cccd import InvalidCCCD, Sex, parse_cccd
from identity.dates import parse_yymmdd, yymmdd
from identity.errors import MRZError
from identity.record import IdentityRecord, Source, normalise_name

LINE = 30
FILLER = "<"
_VALUES = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, FILLER: 0}
_WEIGHTS = (7, 3, 1)


def check_digit(field: str) -> str:
    """ICAO 9303-3 check digit: 0-9 → 0-9, A-Z → 10-35, ``<`` → 0; weights 7, 3, 1; sum mod 10."""
    try:
        total = sum(_VALUES[c] * _WEIGHTS[i % 3] for i, c in enumerate(field))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not an MRZ character") from None
    return str(total % 10)


@dataclass(frozen=True)
class TD1:
    """A TD1 MRZ whose four ICAO check digits hold."""

    document_code: str
    issuer: str
    document_number: str
    optional1: str
    birth: str  # YYMMDD
    sex: str  # M, F or <
    expiry: str  # YYMMDD
    nationality: str
    optional2: str
    names: str  # line 3 as printed, fillers included

    @property
    def surname_and_given(self) -> tuple[str, str]:
        surname, _, given = self.names.rstrip(FILLER).partition("<<")
        return surname.replace(FILLER, " ").strip(), given.replace(FILLER, " ").strip()


_FIELD_NAMES = {
    "document_number": ("số giấy tờ", "document number"),
    "birth_date": ("ngày sinh", "birth date"),
    "expiry": ("ngày hết hạn", "expiry date"),
    "id12": ("số định danh 12 số", "12-digit ID"),
    "composite": ("tổng hợp", "composite"),
}


def _bad_digit(name: str) -> MRZError:
    vi, en = _FIELD_NAMES[name]
    return MRZError(
        f"mrz.check_digit.{name}",
        f"Chữ số kiểm tra ({vi}) trong MRZ sai: đọc nhầm hoặc thẻ bị sửa.",
        f"The MRZ check digit for the {en} is wrong: a misread or an altered card.",
        field=name,
    )


def split_lines(mrz: str | list[str] | tuple[str, ...]) -> tuple[str, str, str]:
    lines = mrz.split() if isinstance(mrz, str) else [ln.strip() for ln in mrz]
    if len(lines) != 3 or any(len(ln) != LINE for ln in lines):
        raise MRZError(
            "mrz.shape",
            "MRZ phải có 3 dòng, mỗi dòng 30 ký tự.",
            f"A TD1 MRZ is 3 lines of 30 characters (got lengths {[len(ln) for ln in lines]}).",
        )
    if any(c not in _VALUES for ln in lines for c in ln):
        raise MRZError(
            "mrz.charset", "MRZ chỉ gồm chữ in hoa, chữ số và dấu <.", "An MRZ holds only A-Z, 0-9 and <."
        )
    return lines[0], lines[1], lines[2]


def parse_td1(mrz: str | list[str] | tuple[str, ...]) -> TD1:
    """Parse any TD1 MRZ and verify its document-number, birth, expiry and composite check digits."""
    l1, l2, l3 = split_lines(mrz)
    for name, value, digit in (
        ("document_number", l1[5:14], l1[14]),
        ("birth_date", l2[0:6], l2[6]),
        ("expiry", l2[8:14], l2[14]),
    ):
        if check_digit(value) != digit:
            raise _bad_digit(name)
    if check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]) != l2[29]:
        raise _bad_digit("composite")
    return TD1(
        document_code=l1[0:2],
        issuer=l1[2:5],
        document_number=l1[5:14],
        optional1=l1[15:30],
        birth=l2[0:6],
        sex=l2[7],
        expiry=l2[8:14],
        nationality=l2[15:18],
        optional2=l2[18:29],
        names=l3,
    )


def parse_cccd_mrz(mrz: str | list[str] | tuple[str, ...]) -> IdentityRecord:
    """The identity record in a CCCD MRZ (``IDVNM``), every check digit verified."""
    td1 = parse_td1(mrz)
    if td1.document_code != "ID" or td1.issuer != "VNM":
        raise MRZError(
            "mrz.not_cccd",
            "MRZ không phải của CCCD Việt Nam (IDVNM).",
            f"Not a Vietnamese ID card MRZ (starts {td1.document_code}{td1.issuer}, IDVNM expected).",
        )
    id12, sep, digit = td1.optional1[:12], td1.optional1[12:14], td1.optional1[14]
    if not id12.isdigit() or sep != "<<":
        raise MRZError(
            "mrz.id12",
            "Vùng dữ liệu tuỳ chọn không chứa số định danh 12 số.",
            "Optional data 1 does not hold the 12-digit ID.",
        )
    if check_digit(id12) != digit:
        raise _bad_digit("id12")
    if td1.document_number != id12[3:]:
        raise MRZError(
            "mrz.document_number",
            "Số giấy tờ không khớp 9 số cuối của số định danh.",
            "The document number is not the last 9 digits of the 12-digit ID.",
        )
    try:
        century = parse_cccd(id12).century_start
    except InvalidCCCD as exc:
        raise MRZError("mrz.id12", "Số định danh trong MRZ không hợp lệ.", f"The MRZ's ID: {exc}") from exc
    birth, expiry = parse_yymmdd(td1.birth, century), parse_yymmdd(td1.expiry, 2000)
    if birth is None or expiry is None:
        raise MRZError("mrz.date", "Ngày trong MRZ không hợp lệ.", "A date in the MRZ is not a real date.")
    surname, given = td1.surname_and_given
    return IdentityRecord(
        id12=id12,
        source=Source.mrz,
        full_name=f"{surname} {given}".strip() or None,
        birth_date=birth,
        sex={"M": Sex.male, "F": Sex.female}.get(td1.sex),
        expiry=expiry,
    )


def mrz_name(full_name: str) -> str:
    """Line 3 for a Vietnamese name: family name first, then ``<<``, given names joined by ``<``."""
    words = normalise_name(full_name).split()
    name = words[0] + "<<" + "<".join(words[1:]) if words else ""
    return name[:LINE].ljust(LINE, FILLER)


def build_cccd_mrz(id12: str, full_name: str, birth_date: date, sex: Sex | None, expiry: date) -> str:
    """The MRZ a genuine card carries (fixtures): three lines joined by newlines."""
    doc = id12[3:]
    l1 = f"IDVNM{doc}{check_digit(doc)}{id12}<<{check_digit(id12)}"
    b, e = yymmdd(birth_date), yymmdd(expiry)
    s = {Sex.male: "M", Sex.female: "F", None: FILLER}[sex]
    head = f"{b}{check_digit(b)}{s}{e}{check_digit(e)}VNM"
    opt2 = FILLER * 11
    l2 = head + opt2 + check_digit(l1[5:30] + head[0:7] + head[8:15] + opt2)
    return "\n".join((l1, l2, mrz_name(full_name)))
