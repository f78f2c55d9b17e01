"""The citizen's decisions and licence points in the app: only the person sanctioned sees a decision
(anyone else: 404, as for an id that does not exist), the documents as issued, the receipt that starts
the 10 days to pay, the balance per licence class. Every read is audited."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from core.time import to_local
from penalties.decisions.document import DUE_ON_RECEIPT
from penalties.law.points import restoration_date
from penalties.notices.models import NoticeStatus
from tests.support.decisions import open_notice
from tests.support.factories import citizen_token, make_citizen, staff_headers


def bearer(client: TestClient, cccd: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {citizen_token(client, cccd)}"}


def issued(client: TestClient, db: Session, serial: int) -> tuple[str, dict]:
    owner = make_citizen(db, serial=serial)
    notice = open_notice(db, owner, status=NoticeStatus.acknowledged)
    out = client.post(
        "/api/decisions", json={"notice_ids": [str(notice.id)]}, headers=staff_headers(Role.supervisor)
    )
    assert out.status_code == 201, out.text
    return owner.cccd, out.json()


def test_the_person_sanctioned_sees_the_decision_and_its_documents(client: TestClient, db: Session) -> None:
    cccd, decision = issued(client, db, 8301)
    me = bearer(client, cccd)
    mine = client.get("/api/citizen/v1/decisions", headers=me).json()
    assert [d["number"] for d in mine] == [decision["number"]]
    one = client.get(f"/api/citizen/v1/decisions/{decision['id']}", headers=me).json()
    assert (one["amount_vnd"], one["points"], one["pay_by"]) == (18_000_000, {"car": 4}, DUE_ON_RECEIPT)
    pdf = client.get(f"/api/citizen/v1/decisions/{decision['id']}/document.pdf", headers=me)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-content-sha256"] == decision["document_sha256"]
    html = client.get(f"/api/citizen/v1/decisions/{decision['id']}/document.html", headers=me)
    assert html.status_code == 200 and decision["number"] in html.text
    db.rollback()
    purposes = {
        e.get("purpose")
        for e in db.scalars(select(AuditEntry.detail).where(AuditEntry.actor == f"citizen:{cccd}"))
    }
    assert {
        "citizen app: my decisions",
        "citizen app: decision",
        "citizen app: decision PDF",
        "citizen app: decision HTML",
    } <= purposes


def test_another_citizen_gets_not_found(client: TestClient, db: Session) -> None:
    _, decision = issued(client, db, 8302)
    db.rollback()
    other = make_citizen(db, serial=8303)
    db.commit()
    them = bearer(client, other.cccd)
    assert client.get("/api/citizen/v1/decisions", headers=them).json() == []
    base = f"/api/citizen/v1/decisions/{decision['id']}"
    missing = f"/api/citizen/v1/decisions/{uuid.uuid4()}"
    for path in (base, f"{base}/document.pdf", f"{base}/document.html"):
        answer = client.get(path, headers=them)
        assert answer.status_code == 404 and answer.json() == {
            "error": "DecisionNotFound",
            "detail": answer.json()["detail"],
        }
        assert client.get(path.replace(base, missing), headers=them).json()["error"] == "DecisionNotFound"
    assert client.post(f"{base}/receipt", headers=them).status_code == 404
    assert client.get(base, headers=staff_headers(Role.supervisor)).status_code == 403  # staff: their own API


def test_receipt_starts_the_ten_days_once(client: TestClient, db: Session) -> None:
    cccd, decision = issued(client, db, 8304)
    me = bearer(client, cccd)
    first = client.post(f"/api/citizen/v1/decisions/{decision['id']}/receipt", headers=me).json()
    delivered = first["delivered_at"]
    assert delivered is not None
    # Ten days from the Vietnam calendar day of receipt.
    due = to_local(datetime.fromisoformat(delivered)).date() + timedelta(days=10)
    assert first["due_date"] == due.isoformat() and first["pay_by"] == due.strftime("%d/%m/%Y")
    again = client.post(f"/api/citizen/v1/decisions/{decision['id']}/receipt", headers=me).json()
    assert (again["delivered_at"], again["due_date"]) == (delivered, first["due_date"])
    db.rollback()
    assert len(db.scalars(select(AuditEntry.seq).where(AuditEntry.action == "decision.receipt")).all()) == 1


def test_my_points_per_licence_class(client: TestClient, db: Session) -> None:
    cccd, decision = issued(client, db, 8305)
    other = make_citizen(db, serial=8306)
    db.commit()
    points = client.get("/api/citizen/v1/points", headers=bearer(client, cccd)).json()
    by_class = {p["licence_class"]: p for p in points["licences"]}
    effective = to_local(datetime.fromisoformat(decision["issued_at"])).date()
    assert by_class["car"]["balance"] == 8 and by_class["motorbike"]["balance"] == 12
    assert by_class["car"]["restores_on"] == restoration_date(effective).isoformat()
    assert by_class["car"]["history"] == [
        {
            "on": effective.isoformat(),
            "kind": "deduction",
            "change": -4,
            "balance": 8,
            "decision_id": decision["id"],
            "decision_number": decision["number"],
        }
    ]
    theirs = client.get("/api/citizen/v1/points", headers=bearer(client, other.cccd)).json()
    assert {p["balance"] for p in theirs["licences"]} == {12}
    db.rollback()
    reads = db.scalars(select(AuditEntry.detail).where(AuditEntry.actor == f"citizen:{cccd}")).all()
    assert any(r.get("purpose") == "citizen app: my licence points" for r in reads)
