"""The licence points ledger: a deduction per licence class is stored when a decision takes effect;
the balance, its history and the restoration date come from the stored rows through the law's own
rules (penalties.law.points: 12 points, restored 12 months after the last deduction)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from penalties.decisions.models import Decision, LicenceClass, PointsDeduction
from penalties.law.points import LICENCE_POINTS, licence_balance, restoration_date


@dataclass(frozen=True)
class LedgerEntry:
    """One deduction as the history needs it."""

    on: date
    points: int
    decision_id: uuid.UUID | None = None
    decision_number: str | None = None


@dataclass(frozen=True)
class LedgerEvent:
    on: date
    kind: str  # "deduction" or "restoration"
    change: int  # points taken (negative) or given back (positive)
    balance: int  # after the event
    decision_id: uuid.UUID | None = None
    decision_number: str | None = None


@dataclass(frozen=True)
class Standing:
    """A licence's points on a day: the balance, when it returns to 12, and how it got there."""

    licence_class: LicenceClass
    balance: int
    restores_on: date | None  # None: full already, or no points left (a retest is needed, Art. 51(2))
    history: list[LedgerEvent] = field(default_factory=list)


def record_deductions(
    session: Session, decision: Decision, points: Mapping[LicenceClass, int], *, effective_on: date
) -> list[PointsDeduction]:
    """The decision's deductions, one row per licence class that loses points."""
    rows = [
        PointsDeduction(
            cccd=decision.cccd,
            licence_class=cls,
            points=n,
            effective_on=effective_on,
            decision_id=decision.id,
        )
        for cls, n in sorted(points.items())
        if n > 0
    ]
    session.add_all(rows)
    session.flush()
    return rows


def standing(licence_class: LicenceClass, entries: Sequence[LedgerEntry], on: date) -> Standing:
    """Balance on ``on`` (licence_balance over the entries) with the history that leads to it: each
    deduction, and a restoration wherever 12 months passed without one."""
    ordered = [e for e in entries if e.on <= on]  # the caller gives them in date order
    events: list[LedgerEvent] = []
    for i, entry in enumerate(ordered):
        if i:
            _restoration(events, ordered[:i], ordered[i - 1].on, until=entry.on)
        before = events[-1].balance if events else LICENCE_POINTS
        after = licence_balance([(e.on, e.points) for e in ordered[: i + 1]], entry.on)
        events.append(
            LedgerEvent(
                entry.on, "deduction", after - before, after, entry.decision_id, entry.decision_number
            )
        )
    if ordered:
        _restoration(events, ordered, ordered[-1].on, until=on)
    balance = licence_balance([(e.on, e.points) for e in ordered], on)
    restores_on = restoration_date(ordered[-1].on) if ordered and 0 < balance < LICENCE_POINTS else None
    return Standing(licence_class, balance, restores_on, events)


def _restoration(events: list[LedgerEvent], prior: Sequence[LedgerEntry], last: date, *, until: date) -> None:
    """Add the restoration that happened between ``last`` and ``until``, if one did."""
    day = restoration_date(last)
    before = events[-1].balance
    if day > until or before == LICENCE_POINTS:
        return
    after = licence_balance([(e.on, e.points) for e in prior], day)
    if after > before:
        events.append(LedgerEvent(day, "restoration", after - before, after))


def entries_of(session: Session, cccd: str, licence_class: LicenceClass) -> list[LedgerEntry]:
    rows = session.execute(
        select(PointsDeduction, Decision.number)
        .join(Decision, Decision.id == PointsDeduction.decision_id)
        .where(PointsDeduction.cccd == cccd, PointsDeduction.licence_class == licence_class)
        .order_by(PointsDeduction.effective_on, PointsDeduction.created_at)
    ).all()
    return [LedgerEntry(row.effective_on, row.points, row.decision_id, number) for row, number in rows]


def standings(session: Session, cccd: str, on: date) -> list[Standing]:
    """Both licences of a citizen (a licence never deducted stands at 12)."""
    return [standing(cls, entries_of(session, cccd, cls), on) for cls in LicenceClass]
