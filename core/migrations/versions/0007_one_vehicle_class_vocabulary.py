"""one vehicle-class vocabulary: the detector's "motorcycle" is stored as "motorbike"

A candidate's vehicle_class, and the class words that a run's events and a WRONG_LANE finding's
measured values carry (the class seen and the lane's allowed classes), so that a replay compares equal
with a run from before. Evidence manifests are left as they are: they are the hashed record of what
was detected at the time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

candidates = sa.table(
    'violation_candidates',
    sa.column('id', sa.Uuid()),
    sa.column('violation_code', sa.String(40)),
    sa.column('vehicle_class', sa.String(20)),
    sa.column('measured', sa.JSON()),
)
runs = sa.table('processing_runs', sa.column('id', sa.Uuid()), sa.column('events', sa.JSON()))


def upgrade() -> None:
    _rename('motorcycle', 'motorbike')


def downgrade() -> None:
    _rename('motorbike', 'motorcycle')


def _rename(old: str, new: str) -> None:
    bind = op.get_bind()
    bind.execute(candidates.update().where(candidates.c.vehicle_class == old).values(vehicle_class=new))
    rows = bind.execute(
        sa.select(candidates.c.id, candidates.c.measured).where(candidates.c.violation_code == 'WRONG_LANE')
    ).all()
    for id_, measured in rows:
        renamed = _measured(measured, old, new)
        if renamed != measured:
            bind.execute(candidates.update().where(candidates.c.id == id_).values(measured=renamed))
    for id_, events in bind.execute(sa.select(runs.c.id, runs.c.events)).all():
        renamed_events = [_event(e, old, new) for e in events or []]
        if renamed_events != events:
            bind.execute(runs.update().where(runs.c.id == id_).values(events=renamed_events))


def _word(value: Any, old: str, new: str) -> Any:
    return new if value == old else value


def _measured(measured: Any, old: str, new: str) -> Any:
    if not isinstance(measured, dict):
        return measured
    out = dict(measured)
    if 'vehicle_class' in out:
        out['vehicle_class'] = _word(out['vehicle_class'], old, new)
    if isinstance(out.get('allowed'), list):
        out['allowed'] = [_word(w, old, new) for w in out['allowed']]
    return out


def _event(event: Any, old: str, new: str) -> Any:
    if not isinstance(event, dict):
        return event
    out = dict(event)
    if 'vehicle_class' in out:
        out['vehicle_class'] = _word(out['vehicle_class'], old, new)
    if 'measured' in out:
        out['measured'] = _measured(out['measured'], old, new)
    return out
