"""Police review over the API: claim with expiry, two reviewers racing, confirm → notice + delivery job
in one transaction, plate correction with re-lookup, reject reasons, escalation, limitation."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.runner import execute
from core.models import AuditEntry, Job, Role
from core.time import to_local, utc_now
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.notices.models import Notice, NoticeStatus
from penalties.review.service import claim
from tests.support.factories import citizen_token, make_candidate, make_citizen, make_vehicle, staff_headers


@pytest.fixture
def reviewer() -> dict[str, str]:
    return staff_headers(Role.reviewer)


@pytest.fixture
def candidate_id(db: Session) -> uuid.UUID:
    owner = make_citizen(db, serial=4242)
    make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    candidate = make_candidate(db, plate="51G12345")
    db.commit()
    return candidate.id


def post(client: TestClient, path: str, headers: dict[str, str], body: dict | None = None) -> dict:
    response = client.post(path, json=body or {}, headers=headers)
    return {"http": response.status_code, **response.json()}


def test_confirm_issues_the_notice_and_its_delivery_job_together(
    client: TestClient, db: Session, reviewer: dict[str, str], candidate_id: uuid.UUID
) -> None:
    base = f"/api/candidates/{candidate_id}"
    assert post(client, f"{base}/confirm", reviewer)["error"] == "NotClaimed"
    assert post(client, f"{base}/claim", reviewer)["claimed_by"].startswith("staff:")
    outcome = post(client, f"{base}/confirm", reviewer)
    assert outcome["http"] == 201 and outcome["queued"] is False, outcome
    notice = outcome["notice"]
    assert (notice["amount_vnd"], notice["points"], notice["violation_code"]) == (18_000_000, 4, "RED_LIGHT")
    assert notice["legal_basis"].startswith("ND 168/2024")
    db.rollback()
    stored = db.get(Notice, uuid.UUID(notice["id"]))
    assert stored is not None and stored.status is NoticeStatus.issued
    assert stored.owner_snapshot["owner"]["cccd"] == stored.owner_cccd
    assert stored.owner_snapshot["plate"] == "51G12345"
    assert stored.due_date == to_local(stored.issued_at).date() + timedelta(days=10)  # counted in ICT
    job = db.scalars(select(Job).where(Job.key == f"deliver:{stored.id}")).one()
    assert db.get(ViolationCandidate, candidate_id).status is CandidateStatus.confirmed  # type: ignore[union-attr]
    # A second confirm is refused: one notice per candidate.
    assert post(client, f"{base}/confirm", reviewer)["error"] == "AlreadyReviewed"

    execute(str(job.id))
    db.rollback()
    assert db.get(Notice, stored.id).status is NoticeStatus.delivered  # type: ignore[union-attr]
    token = citizen_token(client, stored.owner_cccd)
    mine = client.get("/api/citizen/v1/notices", headers={"Authorization": f"Bearer {token}"}).json()
    assert [n["number"] for n in mine["items"]] == [stored.number]
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"candidate.claim", "candidate.confirm", "notice.deliver"} <= actions


def test_another_citizen_does_not_see_the_notice(
    client: TestClient, db: Session, reviewer: dict[str, str], candidate_id: uuid.UUID
) -> None:
    post(client, f"/api/candidates/{candidate_id}/claim", reviewer)
    notice = post(client, f"/api/candidates/{candidate_id}/confirm", reviewer)["notice"]
    db.rollback()
    execute(str(db.scalars(select(Job.id).where(Job.key == f"deliver:{notice['id']}")).one()))
    db.rollback()  # a fresh snapshot before writing (SQLite)
    other = make_citizen(db, serial=5151)
    db.commit()
    token = citizen_token(client, other.cccd)
    mine = client.get("/api/citizen/v1/notices", headers={"Authorization": f"Bearer {token}"}).json()
    assert (mine["items"], mine["total"]) == ([], 0)


def test_two_reviewers_racing_for_one_item(db: Session, candidate_id: uuid.UUID) -> None:
    from core.db import session_scope

    results: list[str] = []
    barrier = threading.Barrier(2)

    def take(actor: str) -> None:
        barrier.wait()
        try:
            with session_scope() as session:
                claim(session, candidate_id, actor=actor)
            results.append("won")
        except Exception as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=take, args=(f"staff:{n}",)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["ClaimTaken", "won"]


def test_claim_expires(
    client: TestClient, db: Session, reviewer: dict[str, str], candidate_id: uuid.UUID
) -> None:
    other = staff_headers(Role.reviewer)
    assert post(client, f"/api/candidates/{candidate_id}/claim", reviewer)["http"] == 200
    assert post(client, f"/api/candidates/{candidate_id}/claim", other)["error"] == "ClaimTaken"
    db.rollback()
    candidate = db.get(ViolationCandidate, candidate_id)
    assert candidate is not None
    candidate.claim_expires_at = utc_now() - timedelta(seconds=1)
    db.commit()
    assert post(client, f"/api/candidates/{candidate_id}/claim", other)["http"] == 200
    assert post(client, f"/api/candidates/{candidate_id}/confirm", reviewer)["error"] == "NotClaimed"


def test_correct_plate_then_confirm_uses_the_new_owner(
    client: TestClient, db: Session, reviewer: dict[str, str]
) -> None:
    owner = make_citizen(db, serial=6161)
    make_vehicle(db, owner, plate="30A99988", display="30A-999.88")
    candidate = make_candidate(db, plate="30A99989")  # misread
    db.commit()
    base = f"/api/candidates/{candidate.id}"
    post(client, f"{base}/claim", reviewer)
    assert post(client, f"{base}/confirm", reviewer)["error"] == "OwnerUnknown"
    bad = post(client, f"{base}/plate", reviewer, {"plate": "not a plate"})
    assert bad["http"] == 422
    assert post(client, f"{base}/plate", reviewer, {"plate": "30A-999.88"})["plate"] == "30A99988"
    assert post(client, f"{base}/confirm", reviewer)["error"] == "SecondCheckRequired"
    post(client, f"{base}/release", reviewer)
    second = staff_headers(Role.reviewer)
    post(client, f"{base}/claim", second)
    notice = post(client, f"{base}/confirm", second)["notice"]
    assert notice["owner_cccd"] == owner.cccd


def test_reject_with_a_reason_and_escalate(client: TestClient, db: Session, reviewer: dict[str, str]) -> None:
    first, second = make_candidate(db), make_candidate(db, code="SPEED_10_20")
    db.commit()
    post(client, f"/api/candidates/{first.id}/claim", reviewer)
    assert post(client, f"/api/candidates/{first.id}/reject", reviewer, {"reason": "because"})["http"] == 422
    assert post(client, f"/api/candidates/{first.id}/reject", reviewer, {"reason": "other"})["http"] == 422
    done = post(client, f"/api/candidates/{first.id}/reject", reviewer, {"reason": "emergency_vehicle"})
    assert (done["status"], done["reject_reason"]) == ("rejected", "emergency_vehicle")

    post(client, f"/api/candidates/{second.id}/claim", reviewer)
    up = post(client, f"/api/candidates/{second.id}/escalate", reviewer, {"note": "speed sign hidden?"})
    assert up["status"] == "escalated" and up["claimed_by"] is None
    supervisor = staff_headers(Role.supervisor)
    assert post(client, f"/api/candidates/{second.id}/claim", supervisor)["http"] == 200


def test_amounts_and_limitation(client: TestClient, db: Session, reviewer: dict[str, str]) -> None:
    owner = make_citizen(db, serial=7171)
    make_vehicle(db, owner, plate="51G55555", display="51G-555.55")
    old = make_candidate(db, plate="51G55555", detected_at=utc_now() - timedelta(days=366))
    fresh = make_candidate(db, plate="51G55555", code="SPEED_20_35")
    db.commit()
    post(client, f"/api/candidates/{old.id}/claim", reviewer)
    assert post(client, f"/api/candidates/{old.id}/confirm", reviewer)["error"] == "LimitationExpired"

    post(client, f"/api/candidates/{fresh.id}/claim", reviewer)
    above = post(client, f"/api/candidates/{fresh.id}/confirm", reviewer, {"amount_vnd": 7_000_000})
    assert above["http"] == 422 and "aggravating" in above["detail"]
    outside = post(
        client,
        f"/api/candidates/{fresh.id}/confirm",
        reviewer,
        {"amount_vnd": 9_000_000, "aggravating": ["repeat"]},
    )
    assert outside["http"] == 422 and "outside the legal range" in outside["detail"]
    ok = post(
        client,
        f"/api/candidates/{fresh.id}/confirm",
        reviewer,
        {"amount_vnd": 7_000_000, "aggravating": ["repeat"]},
    )
    assert (ok["notice"]["amount_vnd"], ok["notice"]["points"]) == (7_000_000, 4)


def test_colour_families() -> None:
    import numpy as np

    from detection.colour import body_colour, family_of

    assert body_colour(np.full((100, 200, 3), (25, 25, 210), np.uint8)) == ("red", 1.0)
    assert body_colour(np.full((100, 200, 3), (245, 245, 245), np.uint8)) == ("white", 1.0)
    assert body_colour(np.zeros((0, 0, 3), np.uint8)) is None
    assert (family_of("Bạc"), family_of("Xám"), family_of("Trắng"), family_of("tím")) == (
        "grey",
        "grey",
        "white",
        None,
    )
