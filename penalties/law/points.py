"""Licence points: the deduction when violations are sanctioned together, and the balance over time
(ND 168/2024 Art. 50, 51)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from penalties.law.assessment import Assessment

LICENCE_POINTS = 12
RESTORE_AFTER_MONTHS = 12


def points_for(assessments: Sequence[Assessment]) -> int:
    """Several violations sanctioned together: only the largest deduction applies (ND 168 Art. 50(1)(b))."""
    return max((a.points for a in assessments), default=0)


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


def restoration_date(last_deduction: date) -> date:
    """The day a licence is restored to 12 points when no deduction follows ``last_deduction`` (Art. 51)."""
    return _add_months(last_deduction, RESTORE_AFTER_MONTHS)
