"""Append-only, hash-chained audit log: who did what to which object, and when.

Each entry's hash covers its own fields and the previous entry's hash, so editing or deleting any
entry (the tail included, thanks to ``audit_head``) breaks verification.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import AuditEntry, AuditHead
from core.time import utc_now

GENESIS = "0" * 64
SYSTEM = "system"


def entry_hash(entry: AuditEntry) -> str:
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


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (the head row update serialises writers)."""
    seq, prev = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    entry = AuditEntry(
        seq=seq,
        at=utc_now(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail or {},
        prev_hash=prev,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=entry.hash))
    session.flush()
    return entry


def record_read(
    session: Session, *, actor: str, object_type: str, object_id: object, purpose: str, **detail: Any
) -> AuditEntry:
    """A read of a person's data: who (actor), what (object), when (the entry's time), why (purpose)."""
    return record(
        session,
        actor=actor,
        action=f"{object_type}.read",
        object_type=object_type,
        object_id=object_id,
        detail={"purpose": purpose, **detail},
    )


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    report = ChainReport()
    prev, expected_seq, last_seq = GENESIS, 1, 0
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in session.scalars(query):
        report.checked += 1
        if entry.seq != expected_seq:
            report.problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != prev:
            report.problems.append(f"entry {entry.seq}: previous-hash link broken")
        if entry_hash(entry) != entry.hash:
            report.problems.append(f"entry {entry.seq}: contents do not match its hash (edited)")
        prev, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append("audit head row is missing")
    elif head.seq != last_seq or head.last_hash != prev:
        report.problems.append(f"chain head says {head.seq} entries, found {last_seq}: tail truncated")
    return report
