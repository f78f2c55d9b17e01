"""What a confirmed violation costs: the fine within the legal range, licence points, late charges,
and the 12-point licence balance (Law 36/2024 Art. 58; Decree 168/2024 Arts 50–51)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from core.errors import AppError
from penalties.law import LawError, provision

LICENCE_POINTS = 12
RESTORE_AFTER_MONTHS = 12
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
        version, rule = provision(code, vehicle_class, at)
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


def points_for(assessments: Sequence[Assessment]) -> int:
    """Several violations sanctioned together: only the largest deduction applies (ND 168 Art. 50(1)(b))."""
    return max((a.points for a in assessments), default=0)


def late_charge(amount_vnd: int, due: date, paid_on: date) -> int:
    """0.05 % of the unpaid amount for each day after the due date, in whole VND (rounded down)."""
    days = (paid_on - due).days
    if days <= 0:
        return 0
    per, base = LATE_CHARGE_PER_DAY
    return amount_vnd * per * days // base


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def licence_balance(deductions: Sequence[tuple[date, int]], on: date) -> int:
    """Points left on ``on``: deductions in date order; when fewer points remain than a deduction, the
    rest go (Art. 50(1)(c)); 12 months without a new deduction restore the licence to 12 (Art. 51)."""
    balance = LICENCE_POINTS
    last: date | None = None
    for day, points in sorted(deductions):
        if day > on:
            break
        if last is not None and balance > 0 and day >= _add_months(last, RESTORE_AFTER_MONTHS):
            balance = LICENCE_POINTS
        balance = max(0, balance - points)
        if points:
            last = day
    if last is not None and on >= _add_months(last, RESTORE_AFTER_MONTHS) and balance > 0:
        balance = LICENCE_POINTS
    return balance
