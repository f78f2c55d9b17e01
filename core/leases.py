"""Leases in the database: one holder at a time for a named thing (a long job, a live camera).

A lease expires unless its holder renews it, so when a process dies another one takes the thing over
within the lease's time to live, and never while the holder is alive and renewing. PostgreSQL (or the
SQLite file) is the only shared state: no broker or clock service is involved, only the holders' clocks,
which are assumed to agree within a second.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Lease
from core.time import utc_now

_holders: dict[int, str] = {}


def process_holder() -> str:
    """This process's name as a lease holder: host, pid and a random part (pids are reused). Looked up
    by pid, so a forked child does not hold its parent's leases."""
    pid = os.getpid()
    if pid not in _holders:
        _holders[pid] = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"
    return _holders[pid]


def acquire(session: Session, name: str, holder: str, ttl_s: float) -> bool:
    """Take the lease if it is free, expired or already ours. Flushes; the caller commits."""
    now = utc_now()
    expires = now + timedelta(seconds=ttl_s)
    taken = session.execute(
        update(Lease)
        .where(Lease.name == name, (Lease.expires_at < now) | (Lease.holder == holder))
        .values(holder=holder, acquired_at=now, renewed_at=now, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount:  # type: ignore[attr-defined]
        return True
    if session.get(Lease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=expires))
    except IntegrityError:  # another process inserted it first
        return False
    return True


def renew(session: Session, name: str, holder: str, ttl_s: float) -> bool:
    """Extend our lease; False when it is no longer ours (it expired and was taken over)."""
    now = utc_now()
    renewed = session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(renewed_at=now, expires_at=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def release(session: Session, name: str, holder: str) -> None:
    session.execute(
        delete(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .execution_options(synchronize_session=False)
    )


def holders(session: Session, prefix: str = "") -> dict[str, Lease]:
    """Live leases by name (expired ones are free, so left out)."""
    now = utc_now()
    rows = session.scalars(
        select(Lease).where(Lease.name.startswith(prefix, autoescape=True), Lease.expires_at >= now)
    )
    return {row.name: row for row in rows}
