"""unnamed offences: a passenger's own offence, recorded with its fine, never sent to the owner

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unnamed_offences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("violation_code", sa.String(40), nullable=False),
        sa.Column("person", sa.String(40), nullable=False),
        sa.Column("law", sa.String(120), nullable=False),
        sa.Column("legal_basis", sa.String(200), nullable=False),
        sa.Column("fine_min_vnd", sa.BigInteger(), nullable=False),
        sa.Column("fine_max_vnd", sa.BigInteger(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_unnamed_offences_amount_positive")),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["violation_candidates.id"],
            name=op.f("fk_unnamed_offences_candidate_id_violation_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unnamed_offences")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_unnamed_offences_candidate_id")),
    )


def downgrade() -> None:
    op.drop_table("unnamed_offences")
