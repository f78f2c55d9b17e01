"""citizen app delivery outbox

citizen_endpoints: a citizen's app backends (signed webhooks) and browser push subscriptions.
citizen_deliveries: the outbox, one row per event and endpoint (its id is the webhook-id);
citizen_delivery_attempts: every try; citizen_postal_flags: notices with no confirmed receipt after
N days, to be sent by post.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:55:55.298098
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('citizen_endpoints',
    sa.Column('cccd', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.Enum('webhook', 'webpush', name='endpointkind', native_enum=False, length=32), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=True),
    sa.Column('p256dh', sa.String(length=200), nullable=True),
    sa.Column('auth', sa.String(length=100), nullable=True),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_endpoints'))
    )
    with op.batch_alter_table('citizen_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_endpoints_cccd'), ['cccd'], unique=False)

    op.create_table('citizen_deliveries',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('cccd', sa.String(length=12), nullable=False),
    sa.Column('endpoint_id', sa.Uuid(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'confirmed', 'failed', 'disabled', name='deliverystatus', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['citizen_endpoints.id'], name=op.f('fk_citizen_deliveries_endpoint_id_citizen_endpoints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_deliveries')),
    sa.UniqueConstraint('endpoint_id', 'event', 'object_id', name=op.f('uq_citizen_deliveries_endpoint_id_event_object_id'))
    )
    with op.batch_alter_table('citizen_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_deliveries_cccd'), ['cccd'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_deliveries_object_id'), ['object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_deliveries_status'), ['status'], unique=False)

    op.create_table('citizen_delivery_attempts',
    sa.Column('delivery_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['citizen_deliveries.id'], name=op.f('fk_citizen_delivery_attempts_delivery_id_citizen_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_delivery_attempts'))
    )
    with op.batch_alter_table('citizen_delivery_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_delivery_attempts_delivery_id'), ['delivery_id'], unique=False)

    op.create_table('citizen_postal_flags',
    sa.Column('notice_id', sa.Uuid(), nullable=False),
    sa.Column('cccd', sa.String(length=12), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_citizen_postal_flags_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen_postal_flags')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_citizen_postal_flags_notice_id'))
    )
    with op.batch_alter_table('citizen_postal_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_postal_flags_cccd'), ['cccd'], unique=False)
        batch_op.create_index(batch_op.f('ix_citizen_postal_flags_flagged_at'), ['flagged_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('citizen_postal_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_postal_flags_flagged_at'))
        batch_op.drop_index(batch_op.f('ix_citizen_postal_flags_cccd'))

    op.drop_table('citizen_postal_flags')
    with op.batch_alter_table('citizen_delivery_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_delivery_attempts_delivery_id'))

    op.drop_table('citizen_delivery_attempts')
    with op.batch_alter_table('citizen_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_deliveries_status'))
        batch_op.drop_index(batch_op.f('ix_citizen_deliveries_object_id'))
        batch_op.drop_index(batch_op.f('ix_citizen_deliveries_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_citizen_deliveries_cccd'))

    op.drop_table('citizen_deliveries')
    with op.batch_alter_table('citizen_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_endpoints_cccd'))

    op.drop_table('citizen_endpoints')
