"""camera configuration versions: every YAML text a camera ran with, the row derived from the newest

Each registered configuration is kept as text with its version and SHA-256, unique on (camera,
version). Cameras from before keep their rows; they get a first version when a configuration is
registered for them. Downgrade drops the table (the rows keep what the newest version set).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('camera_configs',
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_camera_configs_version_positive')),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_camera_configs_camera_id_cameras')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_configs')),
    sa.UniqueConstraint('camera_id', 'version', name=op.f('uq_camera_configs_camera_id_version'))
    )
    op.create_index(op.f('ix_camera_configs_camera_id'), 'camera_configs', ['camera_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_camera_configs_camera_id'), table_name='camera_configs')
    op.drop_table('camera_configs')
