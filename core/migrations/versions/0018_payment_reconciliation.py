"""daily payment reconciliation: runs and the mismatches they found

payment_reconciliation_runs: one comparison of a gateway's report with our payments of a Vietnam day.
payment_mismatches: what differed, unique per (gateway, kind, gateway_ref) so that a rerun of the same
day does not list it twice; open until resolved (refund, attach, write off) by an audited staff action.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('payment_reconciliation_runs',
    sa.Column('gateway', sa.String(length=30), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_by', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', _enum('runstatus', 'running', 'done', 'partial', 'failed'), nullable=False),
    sa.Column('gateway_lines', sa.Integer(), nullable=False),
    sa.Column('our_payments', sa.Integer(), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.Column('seen_again', sa.Integer(), nullable=False),
    sa.Column('unchecked', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_reconciliation_runs')),
    )
    with op.batch_alter_table('payment_reconciliation_runs', schema=None) as batch_op:
        batch_op.create_index('ix_payment_reconciliation_runs_gateway_day', ['gateway', 'day'], unique=False)

    op.create_table('payment_mismatches',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('gateway', sa.String(length=30), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column(
        'kind',
        _enum('mismatchkind', 'missing_here', 'missing_at_gateway', 'amount_differs', 'paid_twice'),
        nullable=False,
    ),
    sa.Column('gateway_ref', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('transaction_no', sa.String(length=100), nullable=True),
    sa.Column('gateway_outcome', sa.String(length=20), nullable=True),
    sa.Column('gateway_amount_vnd', sa.BigInteger(), nullable=True),
    sa.Column('payment_id', sa.Uuid(), nullable=True),
    sa.Column('our_amount_vnd', sa.BigInteger(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', _enum('mismatchstatus', 'open', 'resolved'), nullable=False),
    sa.Column('resolution', _enum('resolution', 'refund', 'attach', 'write_off'), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "(status = 'open') = (resolution IS NULL)", name=op.f('ck_payment_mismatches_resolved_iff_resolution')
    ),
    sa.CheckConstraint(
        "resolution IS NULL OR resolution != 'write_off' OR note IS NOT NULL",
        name=op.f('ck_payment_mismatches_write_off_note'),
    ),
    sa.ForeignKeyConstraint(
        ['payment_id'], ['payments.id'], name=op.f('fk_payment_mismatches_payment_id_payments')
    ),
    sa.ForeignKeyConstraint(
        ['run_id'], ['payment_reconciliation_runs.id'],
        name=op.f('fk_payment_mismatches_run_id_payment_reconciliation_runs'),
    ),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_mismatches')),
    sa.UniqueConstraint('gateway', 'kind', 'gateway_ref', name='uq_payment_mismatches_gateway_kind_ref'),
    )
    with op.batch_alter_table('payment_mismatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_mismatches_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_mismatches_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_mismatches_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('payment_mismatches')
    op.drop_table('payment_reconciliation_runs')
