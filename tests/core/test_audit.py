import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core import audit
from core.anchors import Head, load_anchors
from core.cli import app
from core.config import reset_settings
from core.models import AuditEntry, AuditHead, Job
from tests.support.anchors import plain_sha256, private_anchor_dir, rewrite_audit_chain


def tvp(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _write(db: Session, n: int = 5) -> None:
    for i in range(n):
        audit.record(
            db,
            actor="staff:x",
            action="test.act",
            object_type="thing",
            object_id=i,
            detail={"i": i, "tên": "Nguyễn"},
        )
    db.commit()


def test_chain_verifies(db: Session) -> None:
    _write(db)
    report = audit.verify_chain(db)
    assert report.ok and report.checked == 5
    entries = db.query(AuditEntry).order_by(AuditEntry.seq).all()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))


def test_a_batch_is_stored_as_given_and_verifies(db: Session) -> None:
    """Several entries appended at once (a batch of audited reads; on PostgreSQL one insert of a JSON
    array of rows): each is stored with its own time to the microsecond, text, empty object and nested
    detail as given, and the chain verifies."""
    at = datetime(2026, 12, 1, 16, 59, 59, 999_999, tzinfo=UTC)
    given = [
        audit.Pending(
            at, "citizen:079090000001", "citizen.read", "citizen", "079090000001", {"purpose": "x"}
        ),
        audit.Pending(at + timedelta(microseconds=1), "staff:x", "notice.read", "notice", None, {}),
        audit.Pending(
            at - timedelta(days=400),
            "staff:y",
            "thing.read",
            "thing",
            "7",
            {
                "tên": "Nguyễn Thị Ánh",
                "ids": ["a", "b"],
                "n": 3,
                "share": 0.25,
                "inner": {"ok": True, "no": None},
            },
        ),
    ]
    audit.append(db, given)
    db.commit()
    stored = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [(e.at, e.actor, e.action, e.object_type, e.object_id, e.detail) for e in stored] == [
        (g.at, g.actor, g.action, g.object_type, g.object_id, g.detail) for g in given
    ]
    report = audit.verify_chain(db)
    assert report.ok and report.checked == 3


def test_edited_entry_is_detected(db: Session) -> None:
    _write(db)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="staff:someone-else"))
    db.commit()
    report = audit.verify_chain(db)
    assert not report.ok
    assert report.problems == ["entry 3: contents do not match its hash (edited)"]


def test_edited_detail_json_is_detected(db: Session) -> None:
    _write(db)
    db.execute(text("UPDATE audit_log SET detail = :d WHERE seq = 2"), {"d": '{"i": 99}'})
    db.commit()
    assert "entry 2: contents do not match its hash (edited)" in audit.verify_chain(db).problems


def test_rehashed_edit_breaks_the_link(db: Session) -> None:
    _write(db)
    entry = db.get(AuditEntry, 2)
    assert entry is not None
    entry.action = "test.forged"
    entry.hash = audit.entry_hash(entry)  # a forger recomputes this entry's hash...
    db.commit()
    problems = audit.verify_chain(db).problems
    assert problems == [
        "entry 3: previous-hash link broken"
    ]  # ...but the next entry still points at the old one


def test_deleted_entries_are_detected(db: Session) -> None:
    _write(db)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    db.commit()
    problems = audit.verify_chain(db).problems
    assert "entries 2..2 are missing" in problems


def test_truncated_tail_is_detected(db: Session) -> None:
    _write(db)
    db.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
    db.commit()
    assert audit.verify_chain(db).problems == ["chain head says 5 entries, found 3: tail truncated"]


def test_cli_verify(db: Session) -> None:
    _write(db, 3)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3 entries verified" in ok.output
    db.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(object_id="tampered"))
    db.commit()
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "entry 1" in bad.output and "BROKEN" in bad.output


# -- keyed chain and anchors (issue 10)


@pytest.fixture
def anchors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with private_anchor_dir(tmp_path, monkeypatch) as folder:
        yield folder


def test_chain_recomputed_with_plain_sha256_is_detected(db: Session) -> None:
    _write(db)
    rewrite_audit_chain(db, drop={3}, hasher=plain_sha256)  # delete entry 3, re-link the rest
    report = audit.verify_chain(db)
    assert not report.ok
    assert "entry 1: contents do not match its hash (edited)" in report.problems
    assert any("not the key it was sealed with" in p for p in report.problems)


def test_chain_recomputed_needs_the_audit_key(db: Session) -> None:
    _write(db)
    rewrite_audit_chain(db, drop={2}, hasher=lambda e: audit.entry_hash(e, key="a-guessed-key"))
    assert "entry 1: contents do not match its hash (edited)" in audit.verify_chain(db).problems
    # The same rewrite done with the real key verifies: the key is all that stops it (anchors catch it).
    rewrite_audit_chain(db, drop={2}, hasher=audit.entry_hash)
    assert audit.verify_chain(db).ok


def test_rewrite_with_the_key_is_caught_by_the_anchor(db: Session, anchors: Path) -> None:
    _write(db)
    assert tvp("audit", "anchor").exit_code == 0
    rewrite_audit_chain(db, drop={2}, hasher=audit.entry_hash)
    report = audit.verify_chain(db, anchors=load_anchors())
    assert report.anchors == 1
    assert any("ends at entry 4, but the anchor of" in p and "recorded entry 5" in p for p in report.problems)
    assert len(report.problems) == 1


def test_cut_tail_with_fixed_head_is_caught_by_the_anchor(db: Session, anchors: Path) -> None:
    _write(db, 3)
    assert tvp("audit", "anchor").exit_code == 0
    _write(db, 2)
    assert tvp("audit", "anchor").exit_code == 0
    # Cut entries 4 and 5 and point the head at entry 3: the chain alone still verifies.
    third = db.get(AuditEntry, 3)
    assert third is not None
    db.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=3, last_hash=third.hash))
    db.commit()
    assert audit.verify_chain(db).ok

    result = tvp("audit", "verify")
    assert result.exit_code == 1
    assert "audit chain ends at entry 3, but the anchor of" in result.output
    assert "recorded entry 5: entries after 3 were removed" in result.output


def test_edited_anchor_is_reported(db: Session, anchors: Path) -> None:
    _write(db, 3)
    assert tvp("audit", "anchor").exit_code == 0
    (path,) = anchors.glob("anchor-*.json")
    data = json.loads(path.read_text())
    data["heads"]["audit"]["seq"] = 2  # make the anchor agree with a chain cut to two entries
    path.chmod(0o644)
    path.write_text(json.dumps(data))
    result = tvp("audit", "verify")
    assert result.exit_code == 1
    assert f"anchor {path.name}: signature does not match (forged or edited)" in result.output

    path.write_text("{not json")
    assert "is unreadable" in tvp("audit", "verify").output


def test_verify_says_when_there_are_no_anchors(db: Session, anchors: Path) -> None:
    _write(db, 2)
    result = tvp("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "no anchors yet" in result.output
    assert tvp("audit", "anchor").exit_code == 0
    result = tvp("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "checked against 1 signed anchors" in result.output


def test_hourly_job_writes_an_anchor(db: Session, anchors: Path) -> None:
    from core.jobs.runner import execute
    from core.jobs.schedule import SCHEDULES, enqueue_due
    from core.plugins import load_tasks

    load_tasks()
    assert SCHEDULES["core.anchor_chains"].every == timedelta(hours=1)
    _write(db, 4)
    now = datetime(2026, 11, 30, 2, 15, tzinfo=UTC)
    assert "core.anchor_chains@2026-11-30T02:00:00+00:00" in enqueue_due(now)
    job = db.scalars(select(Job).where(Job.name == "core.anchor_chains")).one()
    assert execute(str(job.id)) == "done"
    log = load_anchors()
    assert log.problems == [] and len(log.anchors) == 1
    last = db.get(AuditEntry, 4)
    assert last is not None
    assert log.anchors[0].heads["audit"] == Head(4, last.hash)


def test_anchor_into_an_unwritable_folder_is_a_clear_error(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with private_anchor_dir(tmp_path, monkeypatch):
        monkeypatch.setenv("TVP_AUDIT_ANCHOR_DIR", str(blocker / "anchors"))
        reset_settings()
        result = tvp("audit", "anchor")
    assert result.exit_code == 2
    assert "cannot write to the anchor folder" in result.output
