"""Fines and licence points as versioned law data, chosen by the date of the violation.

Decree 168/2024 governs violations from 2025-01-01 (Art. 53); a violation committed before then is
fined under the decree in force when it was committed (Art. 54): Decree 100/2019 as amended by
Decree 123/2021 (in force 2022-01-01), which had no licence points (suspension instead). Dates are
Vietnamese calendar days. Amounts are integer VND.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from core.time import to_local
from detection.vehicles import VehicleClass

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Provision:
    code: str
    vehicle_class: str  # the table's word: car or motorbike (detection.vehicles.FineCategory)
    fine_min_vnd: int
    fine_max_vnd: int
    points: int
    legal_reference: str
    description_vi: str
    description_en: str


@dataclass(frozen=True)
class LawVersion:
    name: str
    effective_from: date
    effective_to: date | None  # inclusive; None: still in force
    file: str

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def provisions(self) -> dict[tuple[str, str], Provision]:
        return _load(self.file)


VERSIONS = (
    LawVersion("ND 168/2024/NĐ-CP", date(2025, 1, 1), None, "decree_168_2024.csv"),
    LawVersion(
        "ND 100/2019/NĐ-CP (amended by ND 123/2021/NĐ-CP)",
        date(2022, 1, 1),
        date(2024, 12, 31),
        "decree_100_2019.csv",
    ),
)


class LawError(LookupError):
    pass


@cache
def _load(file: str) -> dict[tuple[str, str], Provision]:
    with open(HERE / file, newline="", encoding="utf-8") as fh:
        return {
            (row["violation_code"], row["vehicle_class"]): Provision(
                row["violation_code"],
                row["vehicle_class"],
                int(row["fine_min_vnd"]),
                int(row["fine_max_vnd"]),
                int(row["points_deducted"] or 0),
                row["legal_reference"],
                row["description_vi"],
                row["description_en"],
            )
            for row in csv.DictReader(fh)
            if row["fine_min_vnd"]
        }


def violation_day(at: datetime) -> date:
    return to_local(at).date()


def law_for(day: date) -> LawVersion:
    for version in VERSIONS:
        if version.covers(day):
            return version
    raise LawError(f"no fine table covers {day.isoformat()} (the tables start on 2022-01-01)")


def provision(code: str, vehicle_class: str, at: datetime) -> tuple[LawVersion, Provision]:
    return provision_on(code, vehicle_class, violation_day(at))


def provision_on(code: str, vehicle_class: str, day: date) -> tuple[LawVersion, Provision]:
    """The provision in force on the Vietnamese calendar ``day`` (provision's answer for any time of it)."""
    version = law_for(day)
    known = VehicleClass.parse(vehicle_class)
    if known is None:
        raise LawError(f"unknown vehicle class {vehicle_class!r}")
    if known.fine_category is None:
        raise LawError(f"the fine tables have no category for a vehicle of class {known}")
    found = version.provisions.get((code, known.fine_category))
    if found is None:
        raise LawError(f"{version.name} has no provision for {code} by a {known.fine_category}")
    return version, found


# Fine categories that name a person, not a vehicle: the person cannot be found through the plate.
PERSON_CATEGORIES = ("motorbike_passenger",)


def person_provision(code: str, at: datetime) -> tuple[LawVersion, Provision] | None:
    """The provision that fines a person the vehicle registry cannot name (a motorbike's passenger),
    or None when the code fines the vehicle's rider as usual."""
    version = law_for(violation_day(at))
    for category in PERSON_CATEGORIES:
        found = version.provisions.get((code, category))
        if found is not None:
            return version, found
    return None
