"""The 12-digit personal identification number on the chip ID card (CCCD).

Layout (Circular 59/2021/TT-BCA Art. 4): digits 1-3 the province (or country) of birth registration,
digit 4 the century/sex code, digits 5-6 the last two digits of the birth year, digits 7-12 random.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# Province codes of birth registration (Decree 137/2015 / Circular 07/2016 list, 63 provinces).
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hoà Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hoá",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hoà",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}


class Sex(StrEnum):
    male = "male"
    female = "female"


class InvalidCCCD(ValueError):
    """The CCCD number is malformed or contradicts the birth date or sex."""


@dataclass(frozen=True)
class CCCDInfo:
    number: str
    province_code: str
    province: str
    sex: Sex
    century_start: int  # 1900, 2000, ...
    year_suffix: int

    @property
    def birth_year(self) -> int:
        return self.century_start + self.year_suffix


_SHAPE = re.compile(r"[0-9]{12}")  # fullmatch, ASCII digits: `$` passes a trailing newline


def parse_cccd(number: str) -> CCCDInfo:
    """Parse and check a CCCD number; raises InvalidCCCD with a message saying what is wrong."""
    if not isinstance(number, str) or not _SHAPE.fullmatch(number):
        raise InvalidCCCD("a CCCD number is exactly 12 digits")
    province_code = number[:3]
    if province_code not in PROVINCE_CODES:
        raise InvalidCCCD(f"unknown province code {province_code!r} in the first three digits")
    code = int(number[3])
    return CCCDInfo(
        number=number,
        province_code=province_code,
        province=PROVINCE_CODES[province_code],
        sex=Sex.male if code % 2 == 0 else Sex.female,
        century_start=1900 + 100 * (code // 2),
        year_suffix=int(number[4:6]),
    )


def validate_cccd(number: str, *, birth_date: date | None = None, sex: Sex | str | None = None) -> CCCDInfo:
    """Check the number and that its century/sex digit and year digits agree with the person."""
    info = parse_cccd(number)
    if birth_date is not None and info.birth_year != birth_date.year:
        raise InvalidCCCD(
            f"digits 4-6 encode birth year {info.birth_year}, but the birth date is in {birth_date.year}"
        )
    if sex is not None and Sex(sex) is not info.sex:
        raise InvalidCCCD(f"digit 4 encodes sex {info.sex.value}, but the person is {Sex(sex).value}")
    return info


def make_cccd(province_code: str, birth_year: int, sex: Sex | str, serial: int) -> str:
    """Build a well-formed number (used by the demo data generator and tests)."""
    if province_code not in PROVINCE_CODES:
        raise InvalidCCCD(f"unknown province code {province_code!r}")
    century = (birth_year // 100) - 19
    if not 0 <= century <= 4:
        raise InvalidCCCD(f"birth year {birth_year} outside 1900-2399")
    code = century * 2 + (0 if Sex(sex) is Sex.male else 1)
    return f"{province_code}{code}{birth_year % 100:02d}{serial % 1_000_000:06d}"
