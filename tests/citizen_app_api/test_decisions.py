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
from tests.web.test_law_words import NEW, OLD, issued_notice, row


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


def test_the_decision_names_its_violations_as_the_law_of_their_dates(client: TestClient, db: Session) -> None:
    """A decision over a violation on 31/12/2024 (ND 100/2019) and one on 01/01/2025 (ND 168/2024):
    each is named, with its article, fine range and points, from the table of its own day (read here
    from the decree CSVs); the code stays."""
    owner = make_citizen(db, serial=8309)
    old = issued_notice(db, owner, plate="51G83091", code="RED_LIGHT", at=OLD)
    new = issued_notice(db, owner, plate="51G83092", code="RED_LIGHT", at=NEW)
    out = client.post(
        "/api/decisions",
        json={"notice_ids": [str(old.id), str(new.id)]},
        headers=staff_headers(Role.supervisor),
    )
    assert out.status_code == 201, out.text
    me = bearer(client, owner.cccd)
    one = client.get(f"/api/citizen/v1/decisions/{out.json()['id']}", headers=me).json()
    listed = client.get("/api/citizen/v1/decisions", headers=me).json()
    received = client.post(f"/api/citizen/v1/decisions/{out.json()['id']}/receipt", headers=me).json()
    for body in (one, listed[0], received):
        got = body["violations"]
        assert [v["notice_number"] for v in got] == [old.number, new.number]
        for v, at in zip(got, (OLD, NEW), strict=True):
            r = row("RED_LIGHT", "car", at)
            assert v["violation_code"] == "RED_LIGHT"
            words = v["violation"]
            assert (words["vi"], words["en"], words["article"]) == (
                r["description_vi"],
                r["description_en"],
                r["legal_reference"],
            )
            assert (words["fine_min_vnd"], words["fine_max_vnd"], words["points"]) == (
                int(r["fine_min_vnd"]),
                int(r["fine_max_vnd"]),
                int(r["points_deducted"] or 0),
            )
            assert words["unknown"] is None
    assert one["violations"][0]["violation"]["article"] != one["violations"][1]["violation"]["article"]
