"""What a confirmed violation costs: the fine within the legal range, its licence points and late
charges (Law 36/2024 Art. 58). The licence balance over time: penalties/law/points.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from core.errors import AppError
from penalties.law import LawError, person_provision, provision

LATE_CHARGE_PER_DAY = (5, 10_000)  # 0.05 % of the unpaid amount per day (Luật XLVPHC Art. 78(1))


class AssessmentError(AppError):
    status_code = 422


@dataclass(frozen=True)
class Circumstances:
    aggravating: tuple[str, ...] = ()
    mitigating: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    code: str
    vehicle_class: str
    law: str
    legal_reference: str
    fine_min_vnd: int
    fine_max_vnd: int
    amount_vnd: int
    points: int
    circumstances: Circumstances = field(default_factory=Circumstances)


def assess(
    code: str,
    vehicle_class: str,
    at: datetime,
    *,
    amount_vnd: int | None = None,
    circumstances: Circumstances | None = None,
) -> Assessment:
    """The legal minimum, unless the reviewer recorded aggravating circumstances and chose an amount
    within the range. Mitigating circumstances cannot take it below the minimum."""
    circumstances = circumstances or Circumstances()
    try:
        version, rule = person_provision(code, at) or provision(code, vehicle_class, at)
    except LawError as exc:
        raise AssessmentError(str(exc)) from exc
    amount = rule.fine_min_vnd if amount_vnd is None else amount_vnd
    if not rule.fine_min_vnd <= amount <= rule.fine_max_vnd:
        raise AssessmentError(
            f"{amount:,} VND is outside the legal range {rule.fine_min_vnd:,}–{rule.fine_max_vnd:,} VND "
            f"({rule.legal_reference})"
        )
    if amount > rule.fine_min_vnd and not circumstances.aggravating:
        raise AssessmentError("an amount above the minimum needs the aggravating circumstances recorded")
    return Assessment(
        code,
        rule.vehicle_class,
        version.name,
        rule.legal_reference,
        rule.fine_min_vnd,
        rule.fine_max_vnd,
        amount,
        rule.points,
        circumstances,
    )


def late_charge(amount_vnd: int, due: date, paid_on: date) -> int:
    """0.05 % of the unpaid amount for each day after the due date, in whole VND (rounded down)."""
    days = (paid_on - due).days
    if days <= 0:
        return 0
    per, base = LATE_CHARGE_PER_DAY
    return amount_vnd * per * days // base
