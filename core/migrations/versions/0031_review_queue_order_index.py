"""the review queue's order in one index: (status, detected_at, id) replaces the status index, so a
queue page is read in order from the index instead of sorting every waiting candidate per view

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("violation_candidates") as batch_op:
        batch_op.create_index(
            "ix_violation_candidates_status_detected", ["status", "detected_at", "id"], unique=False
        )
        batch_op.drop_index("ix_violation_candidates_status")


def downgrade() -> None:
    with op.batch_alter_table("violation_candidates") as batch_op:
        batch_op.create_index("ix_violation_candidates_status", ["status"], unique=False)
        batch_op.drop_index("ix_violation_candidates_status_detected")
