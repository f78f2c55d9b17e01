"""A notice's violation in the words of the law of its date, by the vehicle class it was fined as."""

from __future__ import annotations

from typing import Any

from detection.vehicles import VehicleClass
from penalties.law.words import LawWords, describe
from penalties.notices.models import Notice


def fined_class(notice: Notice) -> str:
    """The class the fine was assessed for (penalties.review.service.issue): the registered vehicle's,
    else the one the camera saw, else a car."""
    return fined_class_of(notice.owner_snapshot, notice.candidate.vehicle_class)


def fined_class_of(owner_snapshot: dict[str, Any], seen_class: str | None) -> str:
    """``fined_class`` from the notice's owner snapshot and its candidate's vehicle class."""
    registered = VehicleClass.fined(owner_snapshot.get("vehicle_type"))
    return str(registered or seen_class or VehicleClass.car)


def notice_words(notice: Notice) -> LawWords:
    return describe(notice.violation_code, fined_class(notice), notice.candidate.detected_at)
