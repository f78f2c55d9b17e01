"""sealed face embeddings: the embedding an online exam holds from check-in to its end, encrypted at
rest (AES-256-GCM under TVP_BIOMETRIC_KEY, bound to its registration; core/at_rest.py)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 08:00:00.000000
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core import at_rest

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSE = "face embedding"  # exams.proctoring.service.EMBEDDING when this was written
PLAIN_BYTES = 128 * 8  # a 128-d float64 vector, as stored before

refs = sa.table(
    "exam_face_references",
    sa.column("id", sa.Uuid()),
    sa.column("registration_id", sa.Uuid()),
    sa.column("embedding", sa.LargeBinary()),
)


def _rows() -> list[tuple[uuid.UUID, uuid.UUID, bytes]]:
    query = sa.select(refs.c.id, refs.c.registration_id, refs.c.embedding)
    return [(r.id, r.registration_id, r.embedding) for r in op.get_bind().execute(query)]


def upgrade() -> None:
    bind = op.get_bind()
    for row_id, registration_id, embedding in _rows():
        if len(embedding) != PLAIN_BYTES:
            continue  # sealed already
        sealed = at_rest.encrypt(PURPOSE, bytes(embedding), registration_id.bytes)
        bind.execute(sa.update(refs).where(refs.c.id == row_id).values(embedding=sealed))


def downgrade() -> None:
    bind = op.get_bind()
    for row_id, registration_id, embedding in _rows():
        if len(embedding) == PLAIN_BYTES:
            continue
        plain = at_rest.decrypt(PURPOSE, bytes(embedding), registration_id.bytes)
        bind.execute(sa.update(refs).where(refs.c.id == row_id).values(embedding=plain))
