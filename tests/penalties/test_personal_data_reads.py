"""Every read of a person's data is audited: who, what, when and why."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role, User
from penalties.notices.models import Notice, NoticeStatus
from tests.support.factories import citizen_token, make_candidate, make_citizen, make_staff, make_vehicle
from tests.web.test_pages import HTML, _sign_in


def reads(db: Session, action: str) -> list[AuditEntry]:
    db.rollback()  # a fresh snapshot: the requests wrote in their own transactions
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def test_staff_reads_of_notices_and_the_registry_panel_are_audited(client: TestClient, db: Session) -> None:
    owner = make_citizen(db, serial=8181)
    make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    user = make_staff(db, Role.reviewer, username="reader")
    candidate = make_candidate(db, plate="51G12345")
    db.commit()
    actor = f"staff:{db.scalars(select(User.id).where(User.username == 'reader')).one()}"
    _sign_in(client, "reader")
    assert owner.cccd in client.get(f"/review/{candidate.id}", headers=HTML).text
    (panel,) = reads(db, "vehicle.read")
    assert panel.actor == actor and panel.object_id == "51G12345"
    assert panel.detail == {"purpose": f"review of candidate {candidate.id}", "owner_cccd": owner.cccd}

    from penalties.review.service import Decision, claim, confirm

    claim(db, candidate.id, actor=actor)
    notice = confirm(db, candidate.id, Decision(), actor=actor).notice
    assert notice is not None
    db.commit()
    assert client.get(f"/notices/{notice.id}", headers=HTML).status_code == 200
    assert client.get(f"/notices/{notice.id}/pdf").status_code == 200
    token = client.post("/api/auth/token", json={"username": "reader", "password": "correct-horse-battery"})
    api = client.get(
        f"/api/notices/{notice.id}", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert api.status_code == 200
    purposes = [
        (e.actor, e.object_id, e.detail["purpose"], e.detail["owner_cccd"]) for e in reads(db, "notice.read")
    ]
    assert purposes == [
        (actor, str(notice.id), "printable notice", owner.cccd),
        (actor, str(notice.id), "notice PDF", owner.cccd),
        (actor, str(notice.id), "staff API", owner.cccd),
    ]
    assert all(e.at is not None for e in reads(db, "notice.read"))
    assert user.username == "reader"


def test_a_citizen_reading_their_notices_is_audited(client: TestClient, db: Session) -> None:
    owner = make_citizen(db, serial=8282)
    make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    candidate = make_candidate(db, plate="51G12345")
    db.commit()
    from penalties.review.service import Decision, claim, confirm

    claim(db, candidate.id, actor="staff:x")
    notice = confirm(db, candidate.id, Decision(), actor="staff:x").notice
    assert notice is not None
    notice.status = NoticeStatus.delivered
    db.commit()
    token = citizen_token(client, owner.cccd)
    mine = client.get("/api/citizen/v1/notices", headers={"Authorization": f"Bearer {token}"})
    assert [n["id"] for n in mine.json()["items"]] == [str(notice.id)]
    (entry,) = reads(db, "citizen.read")
    assert entry.actor == f"citizen:{owner.cccd}" and entry.detail["purpose"] == "citizen app: my notices"
    assert db.get(Notice, notice.id) is not None


def test_an_audited_read_survives_a_write_committed_while_it_runs(
    client: TestClient, db: Session, monkeypatch
) -> None:
    """On SQLite a transaction that has read cannot start writing once another connection has committed
    since (SQLITE_BUSY at once, no waiting). The job relay commits every second on the embedded default;
    the audit of reads is a write transaction of its own (core/audit_reads.py), begun as a writer that
    takes its turn, and another writer that commits meanwhile waits for it."""
    import threading

    from core import audit
    from core.db import session_scope
    from core.jobs import enqueue
    from tests.support.factories import staff_headers

    owner = make_citizen(db, serial=8383)
    make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    db.commit()
    headers = staff_headers(Role.reviewer)
    append, appended = audit.append, []

    def another_writer_commits_first(session: Session, entries: Sequence[audit.Pending]) -> None:
        done = threading.Event()

        def write() -> None:
            with session_scope() as other:
                enqueue(other, "core.canary", {"label": "meanwhile"})
            done.set()

        threading.Thread(target=write, daemon=True).start()
        done.wait(1.0)  # while the audit's transaction holds the write lock, the other writer waits its turn
        appended.append(len(entries))
        append(session, entries)

    monkeypatch.setattr(audit, "append", another_writer_commits_first)
    citizen = client.get(f"/api/registry/citizens/{owner.cccd}", headers=headers)
    vehicle = client.get("/api/registry/vehicles/51G12345", headers=headers)
    assert (citizen.status_code, vehicle.status_code) == (200, 200), citizen.text
    assert appended == [1, 1]  # each read audited in a transaction of its own, after its answer's
