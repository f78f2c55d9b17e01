"""citizen-facing privacy copies of evidence

privacy_copies: per candidate, the blurred copies of its frames, plate crop and clip (every face and
every other vehicle's plate blurred) and the privacy manifest that lists them, each stored in the
evidence store by SHA-256. Derived data: the evidence package, its manifest and chain are unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 07:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('privacy_copies',
    sa.Column('candidate_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('frame', 'overlay', 'plate_crop', 'clip', 'manifest', name='evidencekind', native_enum=False, length=32), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=80), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('regions', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_privacy_copies_size_nonnegative')),
    sa.ForeignKeyConstraint(['candidate_id'], ['violation_candidates.id'], name=op.f('fk_privacy_copies_candidate_id_violation_candidates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_copies')),
    sa.UniqueConstraint('candidate_id', 'name', name=op.f('uq_privacy_copies_candidate_id_name'))
    )
    with op.batch_alter_table('privacy_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_copies_candidate_id'), ['candidate_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('privacy_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_copies_candidate_id'))
    op.drop_table('privacy_copies')
