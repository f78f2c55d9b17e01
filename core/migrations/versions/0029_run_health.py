"""run health: when a run last saved a frame, and how many frames a live camera's queue dropped

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, never a batch copy: on SQLite a copied processing_runs would take its run_events
# with it (ON DELETE CASCADE). SQLite drops columns in place since 3.35.


def upgrade() -> None:
    op.add_column("processing_runs", sa.Column("last_frame_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "processing_runs", sa.Column("frames_dropped", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("processing_runs", "frames_dropped")
    op.drop_column("processing_runs", "last_frame_at")
