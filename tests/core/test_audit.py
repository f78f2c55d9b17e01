from itertools import pairwise

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core import audit
from core.cli import app
from core.models import AuditEntry


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
