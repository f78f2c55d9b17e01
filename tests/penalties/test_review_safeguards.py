"""What one reviewer alone cannot do: decide an item escalated to a supervisor, or re-target a fine by
correcting the plate to another owner and confirming it. Every path over the staff API and the pages."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from tests.support.factories import make_candidate, make_citizen, make_staff, make_vehicle, staff_headers
from tests.web.test_pages import HTML, _csrf, _sign_in


def post(client: TestClient, path: str, headers: dict[str, str], body: dict | None = None) -> dict:
    response = client.post(path, json=body or {}, headers=headers)
    return {"http": response.status_code, **response.json()}


@pytest.fixture
def registered(db: Session) -> uuid.UUID:
    owner = make_citizen(db, serial=5151)
    make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    candidate = make_candidate(db, plate="51G12345")
    db.commit()
    return candidate.id


def test_an_escalated_item_belongs_to_supervisors_and_keeps_its_note(
    client: TestClient, db: Session, registered: uuid.UUID
) -> None:
    reviewer, supervisor = staff_headers(Role.reviewer), staff_headers(Role.supervisor)
    base = f"/api/candidates/{registered}"
    post(client, f"{base}/claim", reviewer)
    up = post(client, f"{base}/escalate", reviewer, {"note": "ambulance with lights on?"})
    assert up["escalation_note"] == "ambulance with lights on?" and up["escalated_by"].startswith("staff:")
    again = post(client, f"{base}/claim", reviewer)  # the reviewer who escalated cannot take it back
    assert again["http"] == 403 and again["error"] == "EscalatedToSupervisor"
    assert post(client, f"{base}/confirm", reviewer)["http"] == 409  # nor decide it without a claim
    assert post(client, f"{base}/claim", staff_headers(Role.reviewer))["error"] == "EscalatedToSupervisor"
    assert post(client, f"{base}/claim", supervisor)["http"] == 200
    again = post(client, f"{base}/escalate", supervisor, {"note": "up again"})
    assert again["error"] == "AlreadyEscalated"
    done = post(client, f"{base}/confirm", supervisor, {"note": "not an emergency run"})
    assert done["http"] == 201
    db.expire_all()
    candidate = db.get(ViolationCandidate, registered)
    assert candidate is not None and candidate.status is CandidateStatus.confirmed
    assert candidate.escalation_note == "ambulance with lights on?"  # kept
    assert candidate.review_note == "not an emergency run"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "candidate.escalate")).one()
    assert entry.detail["note"] == "ambulance with lights on?"


def test_next_gives_reviewers_no_escalated_items_and_supervisors_those_first(
    client: TestClient, db: Session
) -> None:
    from datetime import timedelta

    from core.time import utc_now
    from penalties.review.service import claim, claim_next, escalate

    older = make_candidate(db, plate="51G11111", detected_at=utc_now() - timedelta(days=3))
    newer = make_candidate(db, plate="51G22222", detected_at=utc_now() - timedelta(days=1))
    claim(db, newer.id, actor="staff:r1")
    escalate(db, newer.id, actor="staff:r1", note="is the light really red?")
    db.commit()
    taken = claim_next(db, actor="staff:r2")
    assert taken is not None and taken.id == older.id
    assert claim_next(db, actor="staff:r3") is None  # only the escalated one is left
    boss = claim_next(db, actor="staff:s1", supervisor=True)
    assert boss is not None and boss.id == newer.id


def test_the_review_page_keeps_escalated_items_for_supervisors(
    client: TestClient, db: Session, registered: uuid.UUID
) -> None:
    from penalties.review.service import claim, escalate

    make_staff(db, Role.reviewer, username="rev-page")
    make_staff(db, Role.supervisor, username="sup-page")
    claim(db, registered, actor="staff:someone")
    escalate(db, registered, actor="staff:someone", note="check the signal timing")
    db.commit()
    _sign_in(client, "rev-page")
    page = client.get(f"/review/{registered}", headers=HTML)
    assert "check the signal timing" in page.text and 'id="claim"' not in page.text
    assert "chỉ cán bộ chỉ huy" in page.text
    refused = client.post(f"/review/{registered}/claim", data={"csrf": _csrf(page.text)}, headers=HTML)
    assert refused.status_code == 403
    assert 'data-id="' not in client.get("/review", headers=HTML).text  # not in a reviewer's queue
    client.post("/logout", data={"csrf": _csrf(page.text)}, headers=HTML)
    _sign_in(client, "sup-page")
    assert f'data-id="{registered}"' in client.get("/review", headers=HTML).text
    page = client.get(f"/review/{registered}", headers=HTML)
    taken = client.post(
        f"/review/{registered}/claim", data={"csrf": _csrf(page.text)}, headers=HTML, follow_redirects=False
    )
    assert taken.status_code == 303


def test_correcting_the_plate_to_another_owner_needs_a_second_person(
    client: TestClient, db: Session, registered: uuid.UUID
) -> None:
    other_owner = make_citizen(db, serial=5252)
    make_vehicle(db, other_owner, plate="30A99988", display="30A-999.88")
    db.commit()
    first, second = staff_headers(Role.reviewer), staff_headers(Role.reviewer)
    base = f"/api/candidates/{registered}"
    post(client, f"{base}/claim", first)
    moved = post(client, f"{base}/plate", first, {"plate": "30A-999.88"})
    assert (moved["original_plate"], moved["plate_corrected_by"]) == ("51G12345", moved["claimed_by"])
    refused = post(client, f"{base}/confirm", first)
    assert refused["http"] == 409 and refused["error"] == "SecondCheckRequired"
    assert "51G12345" in refused["detail"]
    post(client, f"{base}/release", first)
    post(client, f"{base}/claim", second)
    issued = post(client, f"{base}/confirm", second)
    assert issued["http"] == 201 and issued["notice"]["owner_cccd"] == other_owner.cccd
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "candidate.correct_plate")).one()
    assert entry.detail["owner_changed"] is True and entry.detail["camera_read"] == "51G12345"


def test_a_correction_to_the_same_owner_or_back_needs_no_second_person(
    client: TestClient, db: Session, registered: uuid.UUID
) -> None:
    owner = db.scalars(select(ViolationCandidate)).one()
    vehicle_owner = make_citizen(db, serial=5353)
    make_vehicle(db, vehicle_owner, plate="30A99988", display="30A-999.88")
    db.commit()
    reviewer = staff_headers(Role.reviewer)
    base = f"/api/candidates/{owner.id}"
    post(client, f"{base}/claim", reviewer)
    assert post(client, f"{base}/plate", reviewer, {"plate": "30A-999.88"})["plate_corrected_by"]
    back = post(client, f"{base}/plate", reviewer, {"plate": "51G-123.45"})  # undo: the camera's owner
    assert back["plate_corrected_by"] is None
    assert post(client, f"{base}/confirm", reviewer)["http"] == 201


def test_the_page_form_shows_the_second_check(client: TestClient, db: Session, registered: uuid.UUID) -> None:
    other_owner = make_citizen(db, serial=5454)
    make_vehicle(db, other_owner, plate="30A99988", display="30A-999.88")
    make_staff(db, Role.reviewer, username="solo")
    db.commit()
    _sign_in(client, "solo")
    page = client.get(f"/review/{registered}", headers=HTML)
    client.post(f"/review/{registered}/claim", data={"csrf": _csrf(page.text)}, headers=HTML)
    client.post(
        f"/review/{registered}/plate", data={"csrf": _csrf(page.text), "plate": "30A-999.88"}, headers=HTML
    )
    page = client.get(f"/review/{registered}", headers=HTML)
    assert "cần người thứ hai xác nhận" in page.text
    refused = client.post(f"/review/{registered}/confirm", data={"csrf": _csrf(page.text)}, headers=HTML)
    assert refused.status_code == 409 and "another reviewer or a supervisor" in refused.text
