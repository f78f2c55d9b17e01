"""keyed audit and evidence chains: re-seal the SHA-256 chains as HMAC-SHA256 under TVP_AUDIT_KEY

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00

Until 0005 every audit entry and evidence link was a plain SHA-256, which anyone able to write to the
database could recompute after deleting rows. This revision first verifies the existing chains exactly
as the old code did and refuses (changing nothing) if one is already broken; then it re-seals every
entry under the audit key, so that from here on only keyed hashes verify. Stop every old writer (tvp
serve, workers, cameras) before upgrading: an entry an old process appended afterwards would be
unkeyed, and verification would report it as edited.

Downgrade verifies the keyed chains the same way and re-seals them as plain SHA-256 (what the old code
verifies), refusing if a keyed chain is broken.

The hash formulas are frozen here on purpose: if core.audit or penalties.chains change theirs, a later
revision converts from these.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from core.audit import ChainBrokenError
from core.config import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000

audit_log = sa.table(
    "audit_log",
    sa.column("seq", sa.BigInteger),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
audit_head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("seq"), sa.column("last_hash"))
evidence_links = sa.table(
    "evidence_links",
    sa.column("id", sa.Uuid),
    sa.column("camera_id", sa.Uuid),
    sa.column("seq", sa.Integer),
    sa.column("candidate_id", sa.Uuid),
    sa.column("manifest_sha256", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("link_hash", sa.String),
)
cameras = sa.table("cameras", sa.column("id", sa.Uuid), sa.column("code", sa.String))

Hasher = Callable[[str, bytes], str]  # (purpose, message) -> hex


def _sha256(_purpose: str, message: bytes) -> str:
    return hashlib.sha256(message).hexdigest()


def _keyed(key: str) -> Hasher:
    def seal(purpose: str, message: bytes) -> str:
        subkey = hmac.new(key.encode(), purpose.encode(), hashlib.sha256).digest()
        return hmac.new(subkey, message, hashlib.sha256).hexdigest()

    return seal


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _entry_message(row: Any, prev: str) -> bytes:
    body = {
        "seq": row.seq,
        "at": _utc(row.at).isoformat(timespec="microseconds"),
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "detail": row.detail,
        "prev": prev,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _audit_entries(conn: sa.Connection) -> Iterator[Any]:
    last = 0
    while True:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _reseal_audit(conn: sa.Connection, old: Hasher, new: Hasher, what: str) -> None:
    """Verify the whole audit chain under ``old`` first, then rewrite it under ``new``."""
    prev, expected = GENESIS, 1
    for row in _audit_entries(conn):
        if row.seq != expected:
            _broken(what, f"audit entries {expected}..{row.seq - 1} are missing")
        if row.prev_hash != prev or row.hash != old("tvp/audit-entry", _entry_message(row, prev)):
            _broken(what, f"audit entry {row.seq} does not match its hash (edited)")
        prev, expected = row.hash, row.seq + 1
    head = conn.execute(
        sa.select(audit_head.c.seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
    ).first()
    if head is not None and (head.seq != expected - 1 or head.last_hash != prev):
        _broken(what, f"the audit head says {head.seq} entries, found {expected - 1}: tail truncated")

    prev, updates = GENESIS, []
    for row in _audit_entries(conn):
        sealed = new("tvp/audit-entry", _entry_message(row, prev))
        updates.append({"s": row.seq, "p": prev, "h": sealed})
        prev = sealed
        if len(updates) == BATCH:
            _update_audit(conn, updates)
    _update_audit(conn, updates)
    if head is not None:
        conn.execute(sa.update(audit_head).where(audit_head.c.id == 1).values(last_hash=prev))


def _update_audit(conn: sa.Connection, updates: list[dict[str, Any]]) -> None:
    if updates:
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.seq == sa.bindparam("s"))
            .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")),
            updates,
        )
        updates.clear()


def _link_message(keyed: bool, camera_id: uuid.UUID, prev: str, row: Any) -> bytes:
    candidate = uuid.UUID(str(row.candidate_id))
    fields = f"{prev}:{row.seq}:{row.manifest_sha256}:{candidate}"
    return (f"{uuid.UUID(str(camera_id))}:{fields}" if keyed else fields).encode()


def _reseal_evidence(conn: sa.Connection, old: Hasher, new: Hasher, old_keyed: bool, what: str) -> None:
    for camera_id, code in conn.execute(
        sa.select(cameras.c.id, cameras.c.code).order_by(cameras.c.code)
    ).all():
        links = conn.execute(
            sa.select(evidence_links)
            .where(evidence_links.c.camera_id == camera_id)
            .order_by(evidence_links.c.seq)
        ).all()
        prev = GENESIS
        for expected, row in enumerate(links, start=1):
            if row.seq != expected:
                _broken(what, f"camera {code}: evidence chain entry {expected} is missing")
            if row.prev_hash != prev or row.link_hash != old(
                "tvp/evidence-link", _link_message(old_keyed, camera_id, prev, row)
            ):
                _broken(what, f"camera {code}: evidence chain entry {row.seq} was altered")
            prev = row.link_hash
        prev, updates = GENESIS, []
        for row in links:
            sealed = new("tvp/evidence-link", _link_message(not old_keyed, camera_id, prev, row))
            updates.append({"i": row.id, "p": prev, "h": sealed})
            prev = sealed
        if updates:
            conn.execute(
                sa.update(evidence_links)
                .where(evidence_links.c.id == sa.bindparam("i"))
                .values(prev_hash=sa.bindparam("p"), link_hash=sa.bindparam("h")),
                updates,
            )


def _broken(what: str, problem: str) -> None:
    raise ChainBrokenError(
        f"cannot {what}: {problem}. The chain was already broken before this migration; nothing was "
        "changed. Investigate it (tvp audit verify / tvp evidence verify on the previous release) "
        "before upgrading."
    )


def _lock(conn: sa.Connection) -> None:
    # Old writers still running wait until the re-sealed chains are committed (SQLite: the migration
    # already holds the database's write lock).
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE audit_head, audit_log, cameras, evidence_links IN EXCLUSIVE MODE"))


def upgrade() -> None:
    conn = op.get_bind()
    _lock(conn)
    keyed = _keyed(get_settings().audit_key)
    _reseal_audit(conn, _sha256, keyed, "key the audit chain")
    _reseal_evidence(conn, _sha256, keyed, False, "key the evidence chains")


def downgrade() -> None:
    conn = op.get_bind()
    _lock(conn)
    keyed = _keyed(get_settings().audit_key)
    _reseal_audit(conn, keyed, _sha256, "unkey the audit chain")
    _reseal_evidence(conn, keyed, _sha256, True, "unkey the evidence chains")
