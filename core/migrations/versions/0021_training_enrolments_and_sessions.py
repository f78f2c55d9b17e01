"""exams.training: learners enrolled at a driving-school centre, their training sessions

training_enrolments: a learner by CCCD on a course at a centre (once per centre, course and CCCD),
with the licence class the course trains for.
training_sessions: a check-in and check-out with the measured face distances only (never the chip
photo, the frames or an embedding), the Vietnam day it counts on, the counted seconds and why; one
open session per learner (a partial unique index).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status = 'open'"
COURSE_CLASSES = ('A1', 'A', 'B1', 'B', 'C1', 'C', 'D1', 'D2', 'D', 'BE', 'C1E', 'CE', 'D1E', 'D2E', 'DE')


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('training_enrolments',
    sa.Column('centre', sa.String(length=200), nullable=False),
    sa.Column('course', sa.String(length=60), nullable=False),
    sa.Column('cccd', sa.String(length=12), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('licence_class', _enum('courseclass', *COURSE_CLASSES), nullable=False),
    sa.Column('enrolled_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_enrolments')),
    sa.UniqueConstraint('centre', 'course', 'cccd', name='uq_training_enrolments_centre_course_cccd'),
    )
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_enrolments_cccd'), ['cccd'], unique=False)

    op.create_table('training_sessions',
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('cccd', sa.String(length=12), nullable=False),
    sa.Column('status', _enum('sessionstatus', 'open', 'closed'), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_by', sa.String(length=120), nullable=False),
    sa.Column('vn_day', sa.Date(), nullable=False),
    sa.Column('in_face_distance', sa.Float(), nullable=True),
    sa.Column('in_face_threshold', sa.Float(), nullable=True),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_out_by', sa.String(length=120), nullable=True),
    sa.Column('out_face_distance', sa.Float(), nullable=True),
    sa.Column('out_reason_code', sa.String(length=60), nullable=True),
    sa.Column('refused_checkouts', sa.Integer(), nullable=False),
    sa.Column('counted_seconds', sa.Integer(), nullable=False),
    sa.Column(
        'count_rule', _enum('countrule', 'counted', 'too_short', 'capped', 'day_limit'), nullable=True
    ),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(
        ['enrolment_id'], ['training_enrolments.id'],
        name=op.f('fk_training_sessions_enrolment_id_training_enrolments'),
    ),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions')),
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_cccd'), ['cccd'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_vn_day'), ['vn_day'], unique=False)
        batch_op.create_index(
            'uq_training_sessions_one_open', ['cccd'], unique=True,
            sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    op.drop_table('training_sessions')
    op.drop_table('training_enrolments')
