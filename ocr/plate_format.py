"""Vietnamese licence plate grammar (Circular 79/2024/TT-BCA): parse, validate and format plate text.

Two forms are used everywhere: the *compact* form (upper case, Đ→D, only 0-9A-Z: ``59X137438``) for
keys and comparisons, and the *display* form as printed (``51G-123.45``, ``59-X1 374.38``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# The 81 province/city codes (10, 13, 42, 44-46, 87, 91, 96 were never assigned).
PROVINCE = r"(?:1[124-9]|[23]\d|4[0137-9]|[5-7]\d|8[0-689]|9[02-57-9])"
SERIES_LETTER = r"[A-HK-NPS-VXYZ]"  # no I, J, O, Q, R, W
SECOND_MOTO_LETTER = r"[A-HK-NPR-VXYZ]"  # R appears in the circular's appendix list
SPECIAL_CAR_SERIES = r"(?:RM|HC|KT|CD|LD|DA|MK|TD|CT|LB|R)"
FOREIGN_SERIES = r"(?:NG|QT|CV|NN)"
# Army plates: two letters (the first names the branch or command: TM, KA, BH, QP, AN, CV, …), 4 digits.
MILITARY_SERIES = r"[ABCDHKPQTV][A-Z]"


class PlateFamily(StrEnum):
    car = "car"
    motorbike = "motorbike"
    temporary = "temporary"
    foreign = "foreign"
    military = "military"
    other = "other"  # read without the Vietnamese grammar (foreign benchmarks)


class InvalidPlate(ValueError):
    """The text is not a valid Vietnamese plate."""


_PATTERNS: dict[PlateFamily, tuple[re.Pattern[str], ...]] = {
    PlateFamily.car: (
        re.compile(
            rf"^(?P<prov>{PROVINCE})(?P<series>{SPECIAL_CAR_SERIES}|{SERIES_LETTER})(?P<num>\d{{5}}|\d{{4}})$"
        ),
    ),
    PlateFamily.motorbike: (
        re.compile(
            rf"^(?P<prov>{PROVINCE})(?!{FOREIGN_SERIES})"
            rf"(?P<series>MD[1-9]?|{SERIES_LETTER}{SECOND_MOTO_LETTER}|{SERIES_LETTER}[1-9])"
            rf"(?P<num>\d{{5}}|\d{{4}})$"
        ),
    ),
    PlateFamily.temporary: (re.compile(rf"^T(?P<prov>{PROVINCE})(?P<series>)(?P<num>\d{{5}})$"),),
    # Diplomatic and foreign-organisation plates: 80-441-NG-02, and the older 80-NG-631-60.
    PlateFamily.foreign: (
        re.compile(
            rf"^(?P<prov>{PROVINCE})(?P<country>\d{{3}})(?P<series>{FOREIGN_SERIES})(?P<num>\d{{2,3}})$"
        ),
        re.compile(
            rf"^(?P<prov>{PROVINCE})(?P<series>{FOREIGN_SERIES})(?P<country>\d{{3}})(?P<num>\d{{2}})$"
        ),
    ),
    PlateFamily.military: (re.compile(rf"^(?P<prov>)(?P<series>{MILITARY_SERIES})(?P<num>\d{{4}})$"),),
}
# A dash straight after the two province digits is printed only on motorbike and foreign plates.
_MOTO_LAYOUT = re.compile(r"^\s*\d{2}\s*-\s*[A-Z]")
_DOTTED_NUMBER = re.compile(r"(?<!\d)\d{3}\.\d{2}\s*$")


@dataclass(frozen=True)
class PlateNumber:
    compact: str
    family: PlateFamily
    province: str
    series: str
    number: str
    country: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        num = f"{self.number[:3]}.{self.number[3:]}" if len(self.number) == 5 else self.number
        if self.family is PlateFamily.motorbike:
            return (f"{self.province}-{self.series}", num)
        if self.family is PlateFamily.temporary:
            return (f"T{self.province}-{num}",)
        if self.family is PlateFamily.other:
            return (self.compact,)
        if self.family is PlateFamily.foreign and self.compact[2:4] == self.series:
            return (f"{self.province}-{self.series}-{self.country}-{self.number}",)
        if self.family is PlateFamily.foreign:
            return (f"{self.province}-{self.country}-{self.series}-{self.number}",)
        if self.family is PlateFamily.military:
            return (f"{self.series}-{self.number[:2]}-{self.number[2:]}",)
        return (f"{self.province}{self.series}-{num}",)

    @property
    def display(self) -> str:
        return " ".join(self.lines)

    def __str__(self) -> str:
        return self.display


def compact(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper().replace("Đ", "D"))


def parse_plate(text: str, *, family: PlateFamily | str | None = None) -> PlateNumber:
    """Parse plate text in any common form. ``family`` settles car/motorbike ambiguity (``29B11234``)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidPlate("plate text is empty")
    key = compact(text)
    if "." in text and not _DOTTED_NUMBER.search(text):
        raise InvalidPlate(f"{text!r}: the dot separates three and two digits (e.g. 123.45)")
    if not 6 <= len(key) <= 10:
        raise InvalidPlate(
            f"{text!r} has {len(key)} letters and digits; a VN plate has 7 to 10 (an army plate 6)"
        )
    if family is not None:
        order = [PlateFamily(family)]
    elif _MOTO_LAYOUT.match(text.upper()):
        order = [PlateFamily.motorbike, PlateFamily.foreign, PlateFamily.car]
    else:
        order = [
            PlateFamily.car,
            PlateFamily.motorbike,
            PlateFamily.temporary,
            PlateFamily.foreign,
            PlateFamily.military,
        ]
    for fam in order:
        m = next((m for pattern in _PATTERNS.get(fam, ()) if (m := pattern.match(key))), None)
        if m:
            return PlateNumber(
                compact=key,
                family=fam,
                province=m["prov"],
                series=m["series"],
                number=m["num"],
                country=m.groupdict().get("country") or "",
            )
    raise InvalidPlate(_explain(key, text))


def _explain(key: str, text: str) -> str:
    if re.match(r"^[A-Z]{2}\d", key):
        return f"{text!r}: an army plate is two letters and four digits (e.g. TM-23-66)"
    if not re.match(r"^T?\d{2}", key):
        return f"{text!r}: a plate starts with the two-digit province code"
    prov = key[1:3] if key.startswith("T") else key[:2]
    if not re.fullmatch(PROVINCE, prov):
        return f"{text!r}: {prov} is not a province code"
    return f"{text!r} does not match any Vietnamese plate layout (e.g. 51G-123.45, 59-X1 123.45)"


def is_valid_plate(text: str) -> bool:
    try:
        parse_plate(text)
    except InvalidPlate:
        return False
    return True
