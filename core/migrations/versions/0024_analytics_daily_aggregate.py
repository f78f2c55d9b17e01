"""analytics: the daily aggregate behind the IOC dashboard, and indexes for refreshing one day

analytics_daily: one row per Vietnam day × hour × camera × violation code with the counts of detections,
confirmations, rejections, notices, decisions and payments in that hour (kept by the analytics.refresh
job and `tvp analytics rebuild`). Indexes on the event times a day's refresh selects by.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_TIMES = (
    ("violation_candidates", "reviewed_at"),
    ("notices", "issued_at"),
    ("decisions", "issued_at"),
    ("payments", "paid_at"),
)


def upgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("camera_code", sa.String(length=40), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("violation_code", sa.String(length=40), nullable=False),
        sa.Column("detected", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("hour >= 0 AND hour <= 23", name=op.f("ck_analytics_daily_hour_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily")),
        sa.UniqueConstraint(
            "day",
            "hour",
            "camera_id",
            "violation_code",
            name=op.f("uq_analytics_daily_day_hour_camera_id_violation_code"),
        ),
    )
    with op.batch_alter_table("analytics_daily", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analytics_daily_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_analytics_daily_camera_code"), ["camera_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_analytics_daily_province_code"), ["province_code"], unique=False)
    for table, column in EVENT_TIMES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, column in EVENT_TIMES:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table("analytics_daily")
