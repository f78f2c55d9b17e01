"""Helpers for the chain-anchor tests: a private anchor folder and forged (re-computed) chains."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.audit import GENESIS
from core.config import reset_settings
from core.models import AuditEntry, AuditHead


@contextmanager
def private_anchor_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "anchors"
    monkeypatch.setenv("TVP_AUDIT_ANCHOR_DIR", str(folder))
    reset_settings()
    yield folder
    monkeypatch.delenv("TVP_AUDIT_ANCHOR_DIR")
    reset_settings()


def plain_sha256(entry: AuditEntry) -> str:
    """An audit entry's hash as tvp computed it before the chain was keyed."""
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def rewrite_audit_chain(db: Session, drop: set[int], hasher: Callable[[AuditEntry], str]) -> None:
    """What someone with write access to the database does: delete entries, renumber the rest, recompute
    every hash with ``hasher`` and fix up the head, so that the chain links up again."""
    kept = [e for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)) if e.seq not in drop]
    rows = [
        {c: getattr(e, c) for c in ("at", "actor", "action", "object_type", "object_id", "detail")}
        for e in kept
    ]
    db.execute(delete(AuditEntry))
    db.flush()
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        entry = AuditEntry(seq=seq, prev_hash=prev, **row)
        entry.hash = hasher(entry)
        db.add(entry)
        db.flush()
        prev = entry.hash
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=len(rows), last_hash=prev))
    db.commit()
