"""A violation in the words of the law in force on its (Vietnamese) date: the behaviour as the decree
names it, in Vietnamese and English, its article, and the fine range and points for the vehicle class.
What people read on pages and in exports; the code stays in the data and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from detection.vehicles import VehicleClass
from penalties.law import LawError, law_for, provision_on, violation_day


@dataclass(frozen=True)
class LawWords:
    code: str
    day: date  # the Vietnamese calendar day whose law was read
    law: str | None  # the decree's name; None when no table covers the day
    name_vi: str
    name_en: str
    article: str | None  # the table's legal_reference
    fine_min_vnd: int | None
    fine_max_vnd: int | None
    points: int | None
    unknown: str | None  # why the law of that day does not name it; None when it does

    @property
    def known(self) -> bool:
        return self.unknown is None

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi

    def note(self, lang: str) -> str:
        """The "not in the law of <date>" line shown next to the bare code."""
        day = self.day.strftime("%d/%m/%Y")
        if lang == "en":
            return f"not in the law of {day}"
        return f"không có trong văn bản pháp luật áp dụng ngày {day}"

    def fine_range(self) -> str:
        if self.fine_min_vnd is None or self.fine_max_vnd is None:
            return "—"
        return f"{format_vnd(self.fine_min_vnd)} – {format_vnd(self.fine_max_vnd)}"


def format_vnd(amount: int) -> str:
    """Vietnamese money: 18.000.000 ₫."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def describe(code: str, vehicle_class: str | None, at: datetime) -> LawWords:
    """The words of the law of ``at``'s Vietnamese date for ``code`` by that vehicle class. Never raises
    for a code, class or date the tables do not know: the answer then carries the code as its name and
    the reason in ``unknown``. A missing class reads as a car, as the assessment does."""
    return describe_on(code, vehicle_class, violation_day(at))


@lru_cache(maxsize=4096)
def describe_on(code: str, vehicle_class: str | None, day: date) -> LawWords:
    """describe for any time of the Vietnamese calendar ``day`` (the law is read by the day; kept, as the
    tables are read at start and do not change while the process runs)."""
    try:
        version, rule = provision_on(code, vehicle_class or VehicleClass.car, day)
    except LawError as exc:
        try:
            law: str | None = law_for(day).name
        except LawError:
            law = None
        return LawWords(code, day, law, code, code, None, None, None, None, str(exc))
    return LawWords(
        code,
        day,
        version.name,
        rule.description_vi,
        rule.description_en,
        rule.legal_reference,
        rule.fine_min_vnd,
        rule.fine_max_vnd,
        rule.points,
        None,
    )
