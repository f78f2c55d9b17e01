"""notice documents frozen at issue, and the reason a notice was cancelled

A notice's PDF is rendered once when it is issued and kept in the evidence store by its SHA-256
(notices.document_sha256): it is served as it was, not re-rendered from rows that may change later.
Notices from before get theirs at their next read. A cancelled notice keeps its reason.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notices') as batch:
        batch.add_column(sa.Column('document_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notices') as batch:
        batch.drop_column('cancel_reason')
        batch.drop_column('document_sha256')
