"""run events in their own table: one row per event, unique on (run, key)

Until 0008 a run's events were a JSON list on processing_runs, rewritten whole on every save and
searched in memory for the keys already recorded when a run resumed. Each event becomes a row of
run_events (its order, its dedup key, the event as recorded); the list column goes. Downgrade writes
the rows back into the list, in their order.

An event from before the dedup keys has none: it gets "legacy:<position>" as its key, and the event
itself is kept as it was, so a downgrade gives back the same list.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 04:10:00.000000
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

runs = sa.table(
    'processing_runs',
    sa.column('id', sa.Uuid()),
    sa.column('events', sa.JSON()),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
run_events = sa.table(
    'run_events',
    sa.column('id', sa.Uuid()),
    sa.column('run_id', sa.Uuid()),
    sa.column('seq', sa.Integer()),
    sa.column('key', sa.String(200)),
    sa.column('data', sa.JSON()),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('updated_at', sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    # Read first: on SQLite the column is dropped by copying the table, which would cascade.
    stored = bind.execute(sa.select(runs.c.id, runs.c.events, runs.c.created_at)).all()
    with op.batch_alter_table('processing_runs', schema=None) as batch_op:
        batch_op.drop_column('events')
    op.create_table('run_events',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['processing_runs.id'], name=op.f('fk_run_events_run_id_processing_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_events')),
    sa.UniqueConstraint('run_id', 'key', name=op.f('uq_run_events_run_id_key')),
    sa.UniqueConstraint('run_id', 'seq', name=op.f('uq_run_events_run_id_seq'))
    )
    rows = [row for run_id, events, created_at in stored for row in _rows(run_id, events or [], created_at)]
    if rows:
        bind.execute(run_events.insert(), rows)


def downgrade() -> None:
    bind = op.get_bind()
    stored: dict[Any, list[Any]] = {}
    for run_id, data in bind.execute(
        sa.select(run_events.c.run_id, run_events.c.data).order_by(run_events.c.run_id, run_events.c.seq)
    ):
        stored.setdefault(run_id, []).append(data)
    op.drop_table('run_events')
    op.add_column('processing_runs', sa.Column('events', sa.JSON(), nullable=True))
    for run_id, events in stored.items():
        bind.execute(runs.update().where(runs.c.id == run_id).values(events=events))
    bind.execute(runs.update().where(runs.c.events.is_(None)).values(events=[]))
    with op.batch_alter_table('processing_runs', schema=None) as batch_op:
        batch_op.alter_column('events', existing_type=sa.JSON(), nullable=False)


def _rows(run_id: Any, events: list[Any], created_at: Any) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for seq, event in enumerate(events):
        key = event.get('key') if isinstance(event, dict) else None
        if not isinstance(key, str) or key in seen:
            key = f'legacy:{seq}'
        seen.add(key)
        rows.append({
            'id': uuid.uuid4(), 'run_id': run_id, 'seq': seq, 'key': key, 'data': event,
            'created_at': created_at, 'updated_at': created_at,
        })
    return rows
