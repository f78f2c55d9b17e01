"""open data: where each published file of a month is in the content-addressed store

opendata_files: one row per (month, name) — violations.csv, violations.json, schema.json — pointing at the
file's SHA-256 in the evidence store, with its size, row count, k and who published it when.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('opendata_files',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=80), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opendata_files')),
    sa.UniqueConstraint('month', 'name', name=op.f('uq_opendata_files_month_name')),
    )
    with op.batch_alter_table('opendata_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opendata_files_month'), ['month'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opendata_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opendata_files_month'))

    op.drop_table('opendata_files')
