"""exam_checkins: the desk officer's own decision, apart from the engine's verdict

officer_decision: admitted / refused (null until an officer decides); only an officer's admission lets
a candidate in. officer_reason: why, as the officer wrote it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('exam_checkins', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'officer_decision',
                sa.Enum('admitted', 'refused', name='officerdecision', native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column('officer_reason', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exam_checkins', schema=None) as batch_op:
        batch_op.drop_column('officer_reason')
        batch_op.drop_column('officer_decision')
