"""exams: exams, candidate registrations and identity check-in attempts

exams: a driving test or an online exam (code, centre, start).
exam_registrations: a candidate by CCCD, once per exam.
exam_checkins: one identity check-in attempt and its verdict; the measured face distance only, never
the card photo, the frames or an embedding.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('exams',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', _enum('examkind', 'driving_test', 'online'), nullable=False),
    sa.Column('centre', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exams')),
    sa.UniqueConstraint('code', name=op.f('uq_exams_code')),
    )

    op.create_table('exam_registrations',
    sa.Column('exam_id', sa.Uuid(), nullable=False),
    sa.Column('cccd', sa.String(length=12), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('registered_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_registrations_exam_id_exams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_registrations')),
    sa.UniqueConstraint('exam_id', 'cccd', name='uq_exam_registrations_exam_cccd'),
    )
    with op.batch_alter_table('exam_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_registrations_cccd'), ['cccd'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_registrations_exam_id'), ['exam_id'], unique=False)

    op.create_table('exam_checkins',
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('card_cccd', sa.String(length=12), nullable=True),
    sa.Column('trust_level', sa.String(length=20), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('face_distance', sa.Float(), nullable=True),
    sa.Column('face_threshold', sa.Float(), nullable=True),
    sa.Column('face_matched', sa.Boolean(), nullable=True),
    sa.Column('liveness', sa.JSON(), nullable=True),
    sa.Column('verdict', _enum('verdict', 'admitted', 'refused', 'pending_officer'), nullable=False),
    sa.Column('reason_code', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(
        ['registration_id'], ['exam_registrations.id'],
        name=op.f('fk_exam_checkins_registration_id_exam_registrations'),
    ),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_checkins')),
    )
    with op.batch_alter_table('exam_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_checkins_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_checkins_verdict'), ['verdict'], unique=False)


def downgrade() -> None:
    op.drop_table('exam_checkins')
    op.drop_table('exam_registrations')
    op.drop_table('exams')
