"""vehicle owner kind and organisation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:50:00.540157
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_kind', sa.Enum('person', 'organisation', name='ownerkind', native_enum=False, length=32), nullable=False, server_default='person'))
        batch_op.add_column(sa.Column('organisation_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('organisation_tax_code', sa.String(length=14), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_column('organisation_tax_code')
        batch_op.drop_column('organisation_name')
        batch_op.drop_column('owner_kind')

