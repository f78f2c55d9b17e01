"""Append-only, hash-chained audit log: who did what to which object, and when.

Each entry's hash is an HMAC-SHA256, under the audit key (``TVP_AUDIT_KEY``, never stored in the
database), of its own fields and the previous entry's hash: editing or deleting any entry breaks
verification, and someone who can write to the database cannot recompute the chain without the key.
Cutting the tail (and fixing ``audit_head`` to match) is caught by the signed heads exported outside
the database (core/anchors.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import READS_TO_AUDIT
from core.models import AuditEntry, AuditHead
from core.time import utc_now

if TYPE_CHECKING:
    from core.anchors import AnchorLog

GENESIS = "0" * 64
SYSTEM = "system"
CHAIN = "audit"  # this chain's name in the anchors


class ChainBrokenError(RuntimeError):
    """A chain failed verification where it must not (e.g. before re-sealing it under the key)."""


@lru_cache(maxsize=16)
def _subkey(key: str, purpose: str) -> bytes:
    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).digest()


def seal(purpose: str, message: bytes, key: str | None = None) -> str:
    """HMAC-SHA256 (hex) of ``message`` under the audit key, with a separate subkey per ``purpose``
    (audit entries, evidence links, anchors) so that one kind of seal never stands in for another."""
    subkey = _subkey(key if key is not None else get_settings().audit_key, purpose)
    return hmac.new(subkey, message, hashlib.sha256).hexdigest()


def entry_hash(entry: AuditEntry, key: str | None = None) -> str:
    return _hash(entry.seq, entry, entry.prev_hash, key)


def _hash(seq: int, fields: AuditEntry | Pending, prev_hash: str, key: str | None = None) -> str:
    body = {
        "seq": seq,
        "at": fields.at.isoformat(timespec="microseconds"),
        "actor": fields.actor,
        "action": fields.action,
        "object_type": fields.object_type,
        "object_id": fields.object_id,
        "detail": fields.detail,
        "prev": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return seal("tvp/audit-entry", canonical.encode(), key)


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry's own fields, before the chain gives it a number and a hash."""

    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    detail: dict[str, Any]


def pending(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> Pending:
    return Pending(
        utc_now(), actor, action, object_type, None if object_id is None else str(object_id), detail or {}
    )


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (the head row update serialises writers)."""
    session.flush()  # the caller's pending objects first, as the ORM flush of the entry used to
    append(
        session,
        [pending(actor=actor, action=action, object_type=object_type, object_id=object_id, detail=detail)],
    )


def append(session: Session, entries: Sequence[Pending]) -> None:
    """Append ``entries`` in order, in the session's transaction: one head update takes their numbers.

    The head row stays locked from the first statement to the caller's commit and every audited write
    waits for it, so nothing else is done in between: no ORM unit of work, Core statements only. On
    PostgreSQL any number of entries is two round trips: the head's update, then the entries' insert (as
    one JSON array of rows) and the head's new hash as one statement (a CTE)."""
    take, insert_entry, move_head, appended_and_moved = _statements()
    db = session.connection()  # Core statements: the ORM's execution layer would add nothing but time
    last, prev = db.execute(take, {"n": len(entries)}).one()
    rows = []
    for seq, fields in enumerate(entries, start=last - len(entries) + 1):
        sealed = _hash(seq, fields, prev)
        rows.append(
            {
                "e_seq": seq,
                "e_at": fields.at,
                "e_actor": fields.actor,
                "e_action": fields.action,
                "e_object_type": fields.object_type,
                "e_object_id": fields.object_id,
                "e_detail": fields.detail,
                "e_prev_hash": prev,
                "e_hash": sealed,
            }
        )
        prev = sealed
    if db.dialect.name == "postgresql":
        db.execute(appended_and_moved, {"rows": _json_rows(rows), "e_hash": prev})
    else:
        db.execute(insert_entry, rows)
        db.execute(move_head, {"e_hash": prev})


ENTRY_COLUMNS = ("seq", "at", "actor", "action", "object_type", "object_id", "detail", "prev_hash", "hash")
# PostgreSQL's types of the entries' columns as json_to_recordset reads them (detail stays json text).
_RECORD = (
    "seq bigint, at timestamptz, actor text, action text, object_type text, object_id text, detail json,"
    " prev_hash text, hash text"
)


def _json_rows(rows: list[dict[str, Any]]) -> str:
    """The entries as one JSON array (the time as ISO 8601 with its offset, read back to the microsecond)."""
    return json.dumps(
        [
            {**{name: row[f"e_{name}"] for name in ENTRY_COLUMNS}, "at": row["e_at"].isoformat()}
            for row in rows
        ],
        ensure_ascii=False,
    )


@cache
def _statements() -> tuple[Executable, Executable, Executable, Executable]:
    """append's statements, built once (an entry's values are parameters ``e_<column>``): the head's
    update that takes ``n`` numbers, the entries' insert, the head's new hash, and the last two as one."""
    table = AuditEntry.metadata.tables[AuditEntry.__tablename__]
    # The head as a table, not the mapped class: an ORM update would look for head objects to refresh
    # in the session at every append (verify_chain reads the head afresh).
    head = AuditHead.metadata.tables[AuditHead.__tablename__]
    take = (
        update(head)
        .where(head.c.id == 1)
        .values(seq=head.c.seq + bindparam("n", type_=head.c.seq.type))
        .returning(head.c.seq, head.c.last_hash)
    )
    insert_entry = insert(table).values(
        {name: bindparam(f"e_{name}", type_=table.c[name].type) for name in ENTRY_COLUMNS}
    )
    move_head = (
        update(head).where(head.c.id == 1).values(last_hash=bindparam("e_hash", type_=table.c["hash"].type))
    )
    columns = ", ".join(ENTRY_COLUMNS)
    # PostgreSQL: every entry in one insert, the head's new hash with it (the names are the models').
    appended_and_moved = text(
        f"WITH appended AS (INSERT INTO {table.name} ({columns}) SELECT {columns}"  # noqa: S608
        f" FROM json_to_recordset(CAST(:rows AS json)) AS r({_RECORD}))"
        f" UPDATE {head.name} SET last_hash = :e_hash WHERE id = 1"
    )
    return take, insert_entry, move_head, appended_and_moved


def record_read(
    session: Session, *, actor: str, object_type: str, object_id: object, purpose: str, **detail: Any
) -> None:
    """A read of a person's data: who (actor), what (object), when (the entry's time), why (purpose).

    In a request's session the entry waits in ``session.info[READS_TO_AUDIT]`` and is appended after the
    request's commit, with other requests' reads in one transaction, before the answer is sent
    (core/audit_reads.py). Elsewhere (jobs, commands) it is appended in the caller's transaction."""
    entry = pending(
        actor=actor,
        action=f"{object_type}.read",
        object_type=object_type,
        object_id=object_id,
        detail={"purpose": purpose, **detail},
    )
    deferred = session.info.get(READS_TO_AUDIT)
    if deferred is not None:
        deferred.append(entry)
    else:
        session.flush()
        append(session, [entry])


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    anchors: int | None = None  # anchors compared against; None when not asked to

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, batch: int = 1000, anchors: AnchorLog | None = None) -> ChainReport:
    """Walk the chain; with ``anchors``, also check it against the signed heads exported earlier."""
    report = ChainReport()
    prev, expected_seq, last_seq, unsealed = GENESIS, 1, 0, 0
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in session.scalars(query):
        report.checked += 1
        if entry.seq != expected_seq:
            report.problems.append(f"entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != prev:
            report.problems.append(f"entry {entry.seq}: previous-hash link broken")
        if entry_hash(entry) != entry.hash:
            unsealed += 1
            report.problems.append(f"entry {entry.seq}: contents do not match its hash (edited)")
        prev, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
    if report.checked and unsealed == report.checked:
        report.problems.append(
            "no entry matches its hash under this TVP_AUDIT_KEY: the chain was rewritten, "
            "or this is not the key it was sealed with"
        )
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        report.problems.append("audit head row is missing")
    elif head.seq != last_seq or head.last_hash != prev:
        report.problems.append(f"chain head says {head.seq} entries, found {last_seq}: tail truncated")
    if anchors is not None:
        report.anchors = len(anchors.anchors)
        report.problems += anchors.problems
        report.problems += anchors.check(CHAIN, "audit chain", last_seq, lambda seqs: _hashes(session, seqs))
    return report


def _hashes(session: Session, seqs: list[int]) -> dict[int, str]:
    rows = session.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(seqs)))
    return {row.seq: row.hash for row in rows}
