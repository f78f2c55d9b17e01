"""payments of sanction decisions, raw gateway events, refunds

payments (replacing the first cut that pointed at notices, never used): one attempt per row with a
unique idempotency key and reference; a partial unique index lets a decision have one succeeded payment
only. payment_events: each verified gateway event once per (gateway, event_id). payment_refunds.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 07:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum(
    'pending', 'succeeded', 'failed', 'canceled', 'refunded', 'needs_refund',
    name='paymentstatus', native_enum=False, length=32,
)
SUCCEEDED = sa.text("status = 'succeeded'")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_status'))
        batch_op.drop_index(batch_op.f('ix_payments_notice_id'))
    op.drop_table('payments')

    op.create_table('payments',
    sa.Column('decision_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('late_charge_vnd', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('gateway', sa.String(length=30), nullable=False),
    sa.Column('gateway_ref', sa.String(length=100), nullable=True),
    sa.Column('gateway_txn_no', sa.String(length=100), nullable=True),
    sa.Column('redirect_url', sa.String(length=4000), nullable=True),
    sa.Column('status', STATUS, nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_number', sa.String(length=40), nullable=True),
    sa.Column('refunded_vnd', sa.BigInteger(), nullable=False),
    *_timestamps(),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint("currency = 'VND'", name=op.f('ck_payments_currency_vnd')),
    sa.CheckConstraint(
        'refunded_vnd >= 0 AND refunded_vnd <= amount_vnd', name=op.f('ck_payments_refund_within_amount')
    ),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_payments_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('gateway', 'gateway_ref', name='uq_payments_gateway_ref'),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key')),
    sa.UniqueConstraint('reference', name=op.f('uq_payments_reference')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payments_receipt_number')),
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_status'), ['status'], unique=False)
        batch_op.create_index(
            'uq_payments_decision_succeeded', ['decision_id'], unique=True,
            sqlite_where=SUCCEEDED, postgresql_where=SUCCEEDED,
        )

    op.create_table('payment_events',
    sa.Column('gateway', sa.String(length=30), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('payment_id', sa.Uuid(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_events_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_events')),
    sa.UniqueConstraint('gateway', 'event_id', name='uq_payment_events_gateway_event'),
    )
    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_events_payment_id'), ['payment_id'], unique=False)

    op.create_table('payment_refunds',
    sa.Column('payment_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', name='refundstatus', native_enum=False, length=32), nullable=False),
    sa.Column('gateway_ref', sa.String(length=100), nullable=True),
    *_timestamps(),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_payment_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_refunds_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refunds')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_refunds_idempotency_key')),
    )
    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_refunds_payment_id'), ['payment_id'], unique=False)


def downgrade() -> None:
    op.drop_table('payment_refunds')
    op.drop_table('payment_events')
    op.drop_table('payments')
    op.create_table('payments',
    sa.Column('notice_id', sa.Uuid(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('gateway', sa.String(length=30), nullable=False),
    sa.Column('gateway_ref', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', 'expired', 'refunded', name='paymentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    *_timestamps(),
    sa.CheckConstraint("currency = 'VND'", name=op.f('ck_payments_currency_vnd')),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_payments_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('gateway', 'gateway_ref', name='uq_payments_gateway_ref')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_status'), ['status'], unique=False)
