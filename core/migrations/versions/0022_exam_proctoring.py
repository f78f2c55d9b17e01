"""exams: proctoring of online exams (admitted faces kept for the exam, flags with frames)

exam_face_references: the embedding of the face admitted at check-in, one per registration, kept until
keep_until (the exam's end) and then deleted by the purge job (the one retention exception to "no
biometrics beyond the attempt").
exam_proctor_flags: a flag raised by a webcam re-verification (no_face, several_faces, different_face,
unusable) or at admission (duplicate_face), its frame's evidence key until purged, and the proctor's
resolution.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('exam_face_references',
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('exam_id', sa.Uuid(), nullable=False),
    sa.Column('embedding', sa.LargeBinary(), nullable=False),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keep_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_face_references_exam_id_exams')),
    sa.ForeignKeyConstraint(['registration_id'], ['exam_registrations.id'], name=op.f('fk_exam_face_references_registration_id_exam_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_face_references')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_exam_face_references_registration_id')),
    )
    with op.batch_alter_table('exam_face_references', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_face_references_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_face_references_keep_until'), ['keep_until'], unique=False)

    op.create_table('exam_proctor_flags',
    sa.Column('exam_id', sa.Uuid(), nullable=False),
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('kind', _enum('flagkind', 'no_face', 'several_faces', 'different_face', 'unusable', 'duplicate_face'), nullable=False),
    sa.Column('status', _enum('flagstatus', 'open', 'dismissed', 'confirmed'), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('other_registration_id', sa.Uuid(), nullable=True),
    sa.Column('evidence_key', sa.String(length=64), nullable=True),
    sa.Column('evidence_purge_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evidence_purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_reason', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'open') = (resolved_at IS NULL)", name=op.f('ck_exam_proctor_flags_resolved_iff_not_open')),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_proctor_flags_exam_id_exams')),
    sa.ForeignKeyConstraint(['other_registration_id'], ['exam_registrations.id'], name=op.f('fk_exam_proctor_flags_other_registration_id_exam_registrations')),
    sa.ForeignKeyConstraint(['registration_id'], ['exam_registrations.id'], name=op.f('fk_exam_proctor_flags_registration_id_exam_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_proctor_flags')),
    )
    with op.batch_alter_table('exam_proctor_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_proctor_flags_evidence_purge_after'), ['evidence_purge_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_proctor_flags_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_proctor_flags_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_proctor_flags_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exam_proctor_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_proctor_flags_status'))
        batch_op.drop_index(batch_op.f('ix_exam_proctor_flags_registration_id'))
        batch_op.drop_index(batch_op.f('ix_exam_proctor_flags_exam_id'))
        batch_op.drop_index(batch_op.f('ix_exam_proctor_flags_evidence_purge_after'))
    op.drop_table('exam_proctor_flags')
    with op.batch_alter_table('exam_face_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_face_references_keep_until'))
        batch_op.drop_index(batch_op.f('ix_exam_face_references_exam_id'))
    op.drop_table('exam_face_references')
