"""evidence chain heads: one row per camera holding its chain's tip

Appends continue from the head, so links removed from the end of a camera's chain leave the head
pointing past the last link (``tvp evidence verify`` reports it), as ``audit_head`` does for the audit
chain. Upgrade sets each camera's head to its newest link; downgrade drops the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evidence_heads',
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('link_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_evidence_heads_camera_id_cameras'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('camera_id', name=op.f('pk_evidence_heads'))
    )
    op.execute(
        "INSERT INTO evidence_heads (camera_id, seq, link_hash) "
        "SELECT l.camera_id, l.seq, l.link_hash FROM evidence_links l "
        "WHERE l.seq = (SELECT max(m.seq) FROM evidence_links m WHERE m.camera_id = l.camera_id)"
    )


def downgrade() -> None:
    op.drop_table('evidence_heads')
