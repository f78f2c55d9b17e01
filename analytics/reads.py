"""The dashboard's reads: every one of them from the aggregate table alone (sums grouped by day,
hour, camera or violation code, within the filter)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from analytics.models import METRICS, DailyViolationStats
from analytics.refresh import days_between

Stats = DailyViolationStats
MAX_RANGE_DAYS = 731


@dataclass(frozen=True)
class AnalyticsFilter:
    first: date
    last: date
    camera: str | None = None
    province: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        clauses = [Stats.day >= self.first, Stats.day <= self.last]
        if self.camera:
            clauses.append(Stats.camera_code == self.camera)
        if self.province:
            clauses.append(Stats.province_code == self.province)
        return clauses


@dataclass
class Figures:
    """The six counts of one group (a day, an hour, a camera…)."""

    detected: int = 0
    confirmed: int = 0
    rejected: int = 0
    notices: int = 0
    decisions: int = 0
    paid: int = 0

    def add(self, other: Figures) -> None:
        for metric in METRICS:
            setattr(self, metric, getattr(self, metric) + getattr(other, metric))

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.rejected

    @property
    def payment_rate(self) -> float | None:
        """Notices paid ÷ notices decided in the same period (None when none was decided)."""
        return self.paid / self.decisions if self.decisions else None


@dataclass
class Dashboard:
    filter: AnalyticsFilter
    total: Figures
    by_day: list[tuple[date, Figures]]
    by_weekday: list[tuple[int, Figures]]  # 0 = Monday
    by_hour: list[tuple[int, Figures]]
    by_code: list[tuple[str, Figures]]
    by_camera: list[tuple[str, Figures]]
    cameras: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(getattr(self.total, metric) for metric in METRICS)


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(getattr(Stats, metric)), 0) for metric in METRICS]


def _grouped(session: Session, f: AnalyticsFilter, column: Any) -> dict[Any, Figures]:
    rows = session.execute(select(column, *_sums()).where(*f.where()).group_by(column))
    return {key: Figures(*(int(n) for n in counts)) for key, *counts in rows}


def _choices(session: Session, column: Any) -> list[str]:
    return list(session.scalars(select(column).distinct().order_by(column)))


def dashboard(session: Session, f: AnalyticsFilter) -> Dashboard:
    days = _grouped(session, f, Stats.day)
    by_day = [(day, days.get(day, Figures())) for day in days_between(f.first, f.last)]
    weekdays = {n: Figures() for n in range(7)}
    total = Figures()
    for day, figures in by_day:
        weekdays[day.weekday()].add(figures)
        total.add(figures)
    hours = _grouped(session, f, Stats.hour)
    by_count = lambda groups: sorted(groups.items(), key=lambda kv: (-kv[1].detected, kv[0]))  # noqa: E731
    return Dashboard(
        filter=f,
        total=total,
        by_day=by_day,
        by_weekday=sorted(weekdays.items()),
        by_hour=[(h, hours.get(h, Figures())) for h in range(24)],
        by_code=by_count(_grouped(session, f, Stats.violation_code)),
        by_camera=by_count(_grouped(session, f, Stats.camera_code)),
        cameras=_choices(session, Stats.camera_code),
        provinces=_choices(session, Stats.province_code),
    )


def default_range(today: date) -> tuple[date, date]:
    """The last 30 Vietnam days, today included."""
    return today - timedelta(days=29), today


def csv_rows(board: Dashboard) -> list[list[str]]:
    """The dashboard's data as one table: a group kind, its key, then the six counts."""
    header = ["group", "key", *METRICS]

    def line(kind: str, key: object, figures: Figures) -> list[str]:
        return [kind, str(key), *(str(getattr(figures, metric)) for metric in METRICS)]

    rows = [header, line("total", f"{board.filter.first}..{board.filter.last}", board.total)]
    rows += [line("day", day.isoformat(), figures) for day, figures in board.by_day]
    rows += [line("weekday", WEEKDAY_KEYS[n], figures) for n, figures in board.by_weekday]
    rows += [line("hour", f"{h:02d}", figures) for h, figures in board.by_hour]
    rows += [line("violation", code, figures) for code, figures in board.by_code]
    rows += [line("camera", code, figures) for code, figures in board.by_camera]
    return rows


WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
