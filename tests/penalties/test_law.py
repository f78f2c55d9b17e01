"""Fines and points by the law in force on the violation date; amounts within the range; points,
licence balance and late charges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from detection.vehicles import FineCategory, VehicleClass
from penalties.law import VERSIONS, LawVersion, law_for, violation_day
from penalties.law.assessment import AssessmentError, Circumstances, assess, late_charge
from penalties.law.points import licence_balance, points_for


@pytest.mark.parametrize(
    ("at", "law", "amount", "points"),
    [
        # 2024-12-31 23:30 in Hà Nội is 16:30 UTC: the old decree.
        (datetime(2024, 12, 31, 16, 30, tzinfo=UTC), "ND 100/2019", 4_000_000, 0),
        # 2025-01-01 00:30 in Hà Nội is still 2024-12-31 in UTC: the new decree applies.
        (datetime(2024, 12, 31, 17, 30, tzinfo=UTC), "ND 168/2024", 18_000_000, 4),
        (datetime(2026, 11, 20, 1, 30, tzinfo=UTC), "ND 168/2024", 18_000_000, 4),
    ],
)
def test_red_light_by_car_on_both_sides_of_2025(at: datetime, law: str, amount: int, points: int) -> None:
    result = assess("RED_LIGHT", "car", at)
    assert result.law.startswith(law)
    assert (result.amount_vnd, result.points) == (amount, points)


@pytest.mark.parametrize(
    ("code", "vehicle_class", "minimum", "maximum", "points"),
    [
        ("RED_LIGHT", "motorbike", 4_000_000, 6_000_000, 4),
        ("RED_LIGHT", "motorcycle", 4_000_000, 6_000_000, 4),  # the word stored before migration 0007
        ("SPEED_05_10", "car", 800_000, 1_000_000, 0),
        ("SPEED_10_20", "truck", 4_000_000, 6_000_000, 2),
        ("SPEED_20_35", "bus", 6_000_000, 8_000_000, 4),
        ("SPEED_GT35", "car", 12_000_000, 14_000_000, 6),
        ("SPEED_GT20", "motorbike", 6_000_000, 8_000_000, 4),
        ("WRONG_WAY", "car", 18_000_000, 20_000_000, 4),
        ("WRONG_LANE", "car", 4_000_000, 6_000_000, 2),
        ("ROAD_MARKING_SOLID_LINE", "motorbike", 200_000, 400_000, 0),
        ("STOP_ILLEGAL", "car", 600_000, 800_000, 0),
    ],
)
def test_every_camera_code_has_its_provision(
    code: str, vehicle_class: str, minimum: int, maximum: int, points: int
) -> None:
    result = assess(code, vehicle_class, datetime(2026, 6, 1, tzinfo=UTC))
    assert (result.fine_min_vnd, result.fine_max_vnd, result.points) == (minimum, maximum, points)
    assert result.amount_vnd == minimum and result.legal_reference.startswith("ND 168/2024")


def test_amount_above_minimum_needs_aggravating_circumstances() -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(AssessmentError, match="aggravating"):
        assess("RED_LIGHT", "car", at, amount_vnd=19_000_000)
    with pytest.raises(AssessmentError, match="aggravating"):
        assess(
            "RED_LIGHT", "car", at, amount_vnd=19_000_000, circumstances=Circumstances(mitigating=("first",))
        )
    ok = assess(
        "RED_LIGHT", "car", at, amount_vnd=19_000_000, circumstances=Circumstances(aggravating=("repeat",))
    )
    assert ok.amount_vnd == 19_000_000


@pytest.mark.parametrize("amount", [17_999_999, 20_000_001, 0, -1])
def test_amount_outside_the_range_is_refused(amount: int) -> None:
    with pytest.raises(AssessmentError, match="outside the legal range"):
        assess(
            "RED_LIGHT",
            "car",
            datetime(2026, 6, 1, tzinfo=UTC),
            amount_vnd=amount,
            circumstances=Circumstances(aggravating=("repeat",)),
        )


def test_unknown_code_class_or_date() -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(AssessmentError, match="no provision for SPEED_GT20 by a car"):
        assess("SPEED_GT20", "car", at)
    with pytest.raises(AssessmentError, match="unknown vehicle class"):
        assess("RED_LIGHT", "tractor", at)
    with pytest.raises(AssessmentError, match="no category for a vehicle of class other"):
        assess("RED_LIGHT", "other", at)
    with pytest.raises(AssessmentError, match="no fine table covers 2021-12-31"):
        assess("RED_LIGHT", "car", datetime(2021, 12, 31, 5, tzinfo=UTC))


def test_versions_do_not_overlap_and_leave_no_gap() -> None:
    assert law_for(date(2024, 12, 31)) is VERSIONS[1] and law_for(date(2025, 1, 1)) is VERSIONS[0]
    assert violation_day(datetime(2024, 12, 31, 17, 0, tzinfo=UTC)) == date(2025, 1, 1)


def test_several_violations_together_deduct_only_the_largest() -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    together = [assess(c, "car", at) for c in ("SPEED_10_20", "RED_LIGHT", "STOP_ILLEGAL")]
    assert points_for(together) == 4
    assert points_for([]) == 0


@pytest.mark.parametrize(
    ("deductions", "on", "balance"),
    [
        ([], date(2026, 1, 1), 12),
        ([(date(2026, 1, 10), 4)], date(2026, 1, 10), 8),
        ([(date(2026, 1, 10), 4), (date(2026, 3, 1), 6)], date(2026, 3, 1), 2),
        # fewer points left than the deduction: the rest go
        ([(date(2026, 1, 10), 6), (date(2026, 3, 1), 6), (date(2026, 4, 1), 4)], date(2026, 4, 1), 0),
        # 12 months after the last deduction: restored
        ([(date(2025, 3, 1), 4), (date(2025, 6, 1), 2)], date(2026, 5, 31), 6),
        ([(date(2025, 3, 1), 4), (date(2025, 6, 1), 2)], date(2026, 6, 1), 12),
        # restored before the next deduction counts
        ([(date(2025, 3, 1), 10), (date(2026, 3, 2), 4)], date(2026, 3, 2), 8),
        # all points lost: no automatic restoration (a retest is needed)
        ([(date(2025, 3, 1), 6), (date(2025, 4, 1), 6)], date(2026, 6, 1), 0),
        # a deduction in the future does not count yet
        ([(date(2026, 12, 1), 4)], date(2026, 11, 22), 12),
    ],
)
def test_licence_balance(deductions: list[tuple[date, int]], on: date, balance: int) -> None:
    assert licence_balance(deductions, on) == balance


@pytest.mark.parametrize(
    ("amount", "due", "paid", "charge"),
    [
        (18_000_000, date(2026, 12, 1), date(2026, 11, 30), 0),
        (18_000_000, date(2026, 12, 1), date(2026, 12, 1), 0),
        (18_000_000, date(2026, 12, 1), date(2026, 12, 2), 9_000),
        (18_000_000, date(2026, 12, 1), date(2026, 12, 31), 270_000),
        (800_001, date(2026, 12, 1), date(2026, 12, 4), 1_200),  # rounded down to whole VND
    ],
)
def test_late_charge(amount: int, due: date, paid: date, charge: int) -> None:
    assert late_charge(amount, due, paid) == charge


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.name)
def test_the_tables_words_are_the_fine_categories(version: LawVersion) -> None:
    """Each table fines drivers of exactly the categories the vehicle classes map to (its passenger
    rows fine the passenger, whom a camera does not identify)."""
    words = {word for _, word in version.provisions if not word.endswith("_passenger")}
    assert words == set(FineCategory) == {c.fine_category for c in VehicleClass if c.fine_category}
