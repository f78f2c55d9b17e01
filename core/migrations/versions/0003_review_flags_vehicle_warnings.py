"""review, flags, vehicle warnings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:25:13.004602
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('vehicle_warnings',
    sa.Column('plate', sa.String(length=12), nullable=False),
    sa.Column('notice_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_vehicle_warnings_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_warnings')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_vehicle_warnings_notice_id'))
    )
    with op.batch_alter_table('vehicle_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_warnings_plate'), ['plate'], unique=False)

    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stolen', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('wanted', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('violation_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sa.Enum('plate_unreadable', 'not_a_violation', 'emergency_vehicle', 'duplicate', 'wrong_vehicle', 'equipment_fault', 'limitation_expired', 'other', name='rejectreason', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('pending_decision', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('violation_candidates', schema=None) as batch_op:
        batch_op.drop_column('pending_decision')
        batch_op.drop_column('flags')
        batch_op.drop_column('review_note')
        batch_op.drop_column('reject_reason')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('claim_expires_at')
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_column('wanted')
        batch_op.drop_column('stolen')

    with op.batch_alter_table('vehicle_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_warnings_plate'))

    op.drop_table('vehicle_warnings')
