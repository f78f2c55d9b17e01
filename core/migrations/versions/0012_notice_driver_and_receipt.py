"""a notice's named driver and its confirmed receipt

notices.driver_cccd: the driver the owner named, once that citizen accepted (ND 168 Art. 47(6)-(8));
the notice is theirs from then on and the owner sees it closed. notices.received_at: when the citizen's
app (or the citizen) first confirmed receipt; payment clocks and postal fallback read it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 07:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notices') as batch:
        batch.add_column(sa.Column('driver_cccd', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f('ix_notices_driver_cccd'), ['driver_cccd'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notices') as batch:
        batch.drop_index(batch.f('ix_notices_driver_cccd'))
        batch.drop_column('received_at')
        batch.drop_column('driver_cccd')
