"""Reads audited in group commits (core/audit_reads.py): requests' reads share one transaction of the
audit chain, every answer waits for its read's commit, and an answer whose read could not be audited is
withheld (503, nothing of the data)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import wait
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core import audit, audit_reads
from core.models import AuditEntry
from tests.support.citizen_notices import citizen_with_notice
from tests.support.factories import citizen_token


def _read(i: int) -> audit.Pending:
    return audit.pending(
        actor=f"citizen:{i:012d}", action="citizen.read", object_type="citizen", detail={"purpose": "test"}
    )


def test_reads_queued_while_a_batch_commits_go_in_one_transaction(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch is held at its append until eight more requests have queued their reads: those
    eight go together in the next transaction, numbered in order, and the chain verifies."""
    batches: list[int] = []
    appending, queued = threading.Event(), threading.Event()
    real_append = audit.append

    def held_append(session: Session, entries: Sequence[audit.Pending]) -> None:
        if not batches:
            appending.set()
            assert queued.wait(10)
        batches.append(len(entries))
        real_append(session, entries)

    monkeypatch.setattr(audit_reads.audit, "append", held_append)
    first = audit_reads.submit([_read(0)])
    assert appending.wait(10)
    later = [audit_reads.submit([_read(i), _read(100 + i)]) for i in range(1, 9)]
    queued.set()
    done, pending = wait([first, *later], timeout=30)
    assert not pending and all(f.exception() is None for f in done)
    assert batches == [1, 16]
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == list(range(1, 18))
    assert [e.actor for e in entries[1:3]] == ["citizen:000000000001", "citizen:000000000101"]
    assert audit.verify_chain(db).ok


def test_a_read_that_cannot_be_audited_is_not_answered(
    client: TestClient, db: Session, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails under the audit writer (as a server restart would): the list and the detail
    answer 503 with none of the notice, and the next read, once the database is back, is answered."""
    owner, notice = citizen_with_notice(db, serial=1201, plate="51G12399", display="51G-123.99")
    db.commit()
    headers = {"Authorization": f"Bearer {citizen_token(client, owner.cccd)}"}
    assert client.get("/api/citizen/v1/notices", headers=headers).status_code == 200

    def database_gone(**_: object) -> None:
        raise OperationalError("INSERT INTO audit_log", {}, ConnectionError("server closed the connection"))

    with monkeypatch.context() as patched:
        patched.setattr(audit_reads, "session_scope", database_gone)
        for path in ("/api/citizen/v1/notices", f"/api/citizen/v1/notices/{notice.id}"):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"] == "AuditUnavailable"
            assert notice.number not in answer.text and owner.cccd not in answer.text
    again = client.get("/api/citizen/v1/notices", headers=headers)  # the writer goes on
    assert again.status_code == 200 and again.json()["items"][0]["number"] == notice.number
