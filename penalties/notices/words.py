"""A notice's violation in the words of the law of its date, by the vehicle class it was fined as."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detection.vehicles import VehicleClass
from penalties.law.words import LawWords, describe
from penalties.notices.models import Notice


def fined_class_of(owner_snapshot: dict[str, Any], seen_class: str | None) -> str:
    """The class the fine was assessed for (penalties.review.service.issue): the registered vehicle's
    (the notice's owner snapshot), else the one the camera saw (its candidate's), else a car."""
    registered = VehicleClass.fined(owner_snapshot.get("vehicle_type"))
    return str(registered or seen_class or VehicleClass.car)


def notice_words(notice: Notice) -> LawWords:
    candidate = notice.candidate
    return words_of(
        notice.violation_code, notice.owner_snapshot, candidate.vehicle_class, candidate.detected_at
    )


def words_of(
    violation_code: str, owner_snapshot: dict[str, Any], seen_class: str | None, detected_at: datetime
) -> LawWords:
    """``notice_words`` from the notice's columns and its candidate's (for a list read as columns)."""
    return describe(violation_code, fined_class_of(owner_snapshot, seen_class), detected_at)
