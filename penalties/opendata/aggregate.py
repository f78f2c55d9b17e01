"""Counting a Vietnam month's confirmed violations into cells, and k-anonymity by merging small cells up.

A cell is (province, violation code, vehicle class, hour band). A cell with fewer than ``k`` violations
is never published as such: its counts move to the coarser cell with its finest dimension replaced by
``*`` (first the hour band, then the vehicle class, the violation code, the province). A coarse ``*`` row
holds only what was merged into it, so no row is ever a total that a published row could be subtracted
from to reveal a small cell; what is still below ``k`` after the province is merged is dropped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.time import VN_TZ, to_local
from penalties.cameras.models import Camera
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.decisions.models import Decision, DecisionNotice, DecisionStatus
from penalties.notices.models import Notice, NoticeStatus
from penalties.opendata.exceptions import MonthInvalid

MERGED = "*"
DIMENSIONS = ("province_code", "violation_code", "vehicle_class", "hour_band")
MEASURES = ("violations", "notices", "decisions", "paid")
HOUR_BANDS = ("00-06", "06-12", "12-18", "18-24")  # Vietnam time; never anything finer
_MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")  # codes only: anything else cannot be published

Key = tuple[str, str, str, str]


@dataclass
class Counts:
    violations: int = 0
    notices: int = 0
    decisions: int = 0
    paid: int = 0

    def add(self, other: Counts) -> None:
        for name in MEASURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in MEASURES)


@dataclass
class Aggregate:
    month: str
    k: int
    cells: dict[Key, Counts]  # published cells only
    merged: int = 0  # cells below k whose counts moved into a coarser row
    dropped_violations: int = 0  # still below k with every dimension merged: not published
    source_violations: int = 0
    rows: list[tuple[Key, Counts]] = field(default_factory=list)


def parse_month(text: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` → its first instant and the next month's first instant in Vietnam, as UTC."""
    match = _MONTH.match(text.strip())
    if not match:
        raise MonthInvalid(f"month {text!r}: write it YYYY-MM, 2000-01 to 2099-12")
    year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=VN_TZ)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=VN_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def hour_band(at: datetime) -> str:
    return HOUR_BANDS[to_local(at).hour // 6]


def _code(value: str | None, missing: str = "unknown") -> str:
    if not value:
        return missing
    return value if _SAFE.match(value) and value != MERGED else "unrecognised"


def count_cells(session: Session, month: str) -> dict[Key, Counts]:
    """Every confirmed violation detected in the Vietnam month, counted into its finest cell."""
    start, end = parse_month(month)
    decided = exists().where(
        DecisionNotice.notice_id == Notice.id,
        DecisionNotice.decision_id == Decision.id,
        Decision.status != DecisionStatus.cancelled,
    )
    decision_paid = exists().where(
        DecisionNotice.notice_id == Notice.id,
        DecisionNotice.decision_id == Decision.id,
        Decision.status == DecisionStatus.paid,
    )
    query = (
        select(
            ViolationCandidate.detected_at,
            Camera.province_code,
            ViolationCandidate.violation_code,
            ViolationCandidate.vehicle_class,
            Notice.status,
            decided,
            decision_paid,
        )
        .join(Camera, Camera.id == ViolationCandidate.camera_id)
        .outerjoin(Notice, Notice.candidate_id == ViolationCandidate.id)
        .where(
            ViolationCandidate.status == CandidateStatus.confirmed,
            ViolationCandidate.detected_at >= start,
            ViolationCandidate.detected_at < end,
        )
    )
    cells: dict[Key, Counts] = {}
    for at, province, code, vehicle, notice_status, in_decision, paid_decision in session.execute(
        query.execution_options(yield_per=5000)
    ):
        key = (_code(province), _code(code), _code(vehicle), hour_band(_aware(at)))
        has_notice = notice_status is not None
        cells.setdefault(key, Counts()).add(
            Counts(
                violations=1,
                notices=int(has_notice),
                decisions=int(has_notice and bool(in_decision)),
                paid=int(has_notice and (notice_status == NoticeStatus.paid or bool(paid_decision))),
            )
        )
    return cells


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def suppress(month: str, cells: dict[Key, Counts], k: int) -> Aggregate:
    """Publish the cells with at least ``k`` violations; merge the rest up one dimension at a time."""
    result = Aggregate(month=month, k=k, cells={})
    result.source_violations = sum(c.violations for c in cells.values())
    pending = cells
    for level in range(1, len(DIMENSIONS) + 2):
        coarser: dict[Key, Counts] = {}
        for key, counts in pending.items():
            if counts.violations >= k:
                result.cells[key] = counts
            else:
                result.merged += 1
                if level <= len(DIMENSIONS):
                    coarser.setdefault(_generalise(key, level), Counts()).add(counts)
                else:
                    result.dropped_violations += counts.violations
        pending = coarser
    result.rows = sorted(result.cells.items(), key=lambda item: _sort_key(item[0]))
    return result


def _generalise(key: Key, level: int) -> Key:
    """Replace the ``level`` finest dimensions by ``*``."""
    kept = len(DIMENSIONS) - level
    return tuple(list(key[:kept]) + [MERGED] * level)  # type: ignore[return-value]


def _sort_key(key: Key) -> tuple[tuple[int, str], ...]:
    return tuple((1, "") if part == MERGED else (0, part) for part in key)


def iter_rows(aggregate: Aggregate) -> Iterator[dict[str, str | int]]:
    for key, counts in aggregate.rows:
        yield {"period": aggregate.month, **dict(zip(DIMENSIONS, key, strict=True)), **_measures(counts)}


def _measures(counts: Counts) -> dict[str, int]:
    return dict(zip(MEASURES, counts.values(), strict=True))


def total(rows: Iterable[tuple[Key, Counts]]) -> int:
    return sum(c.violations for _, c in rows)
