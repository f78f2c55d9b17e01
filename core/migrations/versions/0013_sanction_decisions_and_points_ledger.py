"""sanction decisions and the licence points ledger

decisions: the sanction decision (quyết định xử phạt) a supervisor issues over one or more notices of
one liable person; decision_notices: the notices it covers; licence_points: one row per deduction from a
citizen's car or motorbike licence, from which the balance and its 12-month restoration are computed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 06:55:28.519560
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("cccd", sa.String(length=12), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.String(length=2000), nullable=False),
        sa.Column(
            "status",
            sa.Enum("issued", "paid", "cancelled", name="decisionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("html_sha256", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_decisions_amount_positive")),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name=op.f("fk_decisions_issued_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("number", name=op.f("uq_decisions_number")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_cccd"), ["cccd"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_status"), ["status"], unique=False)

    op.create_table(
        "licence_points",
        sa.Column("cccd", sa.String(length=12), nullable=False),
        sa.Column(
            "licence_class",
            sa.Enum("car", "motorbike", name="licenceclass", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("points > 0 AND points <= 12", name=op.f("ck_licence_points_points_range")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_licence_points_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_points")),
        sa.UniqueConstraint(
            "decision_id", "licence_class", name=op.f("uq_licence_points_decision_id_licence_class")
        ),
    )
    with op.batch_alter_table("licence_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_points_cccd"), ["cccd"], unique=False)

    op.create_table(
        "decision_notices",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "licence_class",
            sa.Enum("car", "motorbike", name="licenceclass", native_enum=False, length=32),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_decision_notices_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_decision_notices_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("decision_id", "notice_id", name=op.f("pk_decision_notices")),
    )
    with op.batch_alter_table("decision_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_notices_notice_id"), ["notice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decision_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_notices_notice_id"))

    op.drop_table("decision_notices")
    with op.batch_alter_table("licence_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_points_cccd"))

    op.drop_table("licence_points")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_status"))
        batch_op.drop_index(batch_op.f("ix_decisions_cccd"))

    op.drop_table("decisions")
