"""The review console for helmet and overload findings: each rider with its verdict, enlarged head and
child flag; dropping a rider (audited, with a reason) recomputes or fells the finding."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from core.time import utc_now
from penalties.candidates.models import CandidateStatus, RejectReason, ViolationCandidate
from tests.support.factories import make_candidate, make_staff, staff_headers
from tests.support.helmet_candidates import helmet_candidate
from tests.web.test_pages import HTML, _csrf, _sign_in


def _claimed_page(client: TestClient, candidate_id: uuid.UUID) -> str:
    page = client.get(f"/review/{candidate_id}", headers=HTML)
    claim = client.post(
        f"/review/{candidate_id}/claim", data={"csrf": _csrf(page.text)}, headers=HTML, follow_redirects=False
    )
    assert claim.status_code == 303
    return client.get(f"/review/{candidate_id}", headers=HTML).text


def _drop(client: TestClient, candidate_id: uuid.UUID, page: str, rider: object, reason: str):
    return client.post(
        f"/review/{candidate_id}/drop-rider",
        data={"csrf": _csrf(page), "rider": str(rider), "reason": reason},
        headers=HTML,
        follow_redirects=False,
    )


def fresh(db: Session) -> None:
    """Read again what the requests committed (a new transaction, nothing cached)."""
    db.rollback()
    db.expire_all()


def _audits(db: Session, candidate_id: uuid.UUID, action: str) -> list[AuditEntry]:
    return list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.object_id == str(candidate_id))
            .order_by(AuditEntry.seq)  # PostgreSQL returns rows in no particular order without it
        )
    )


def test_each_rider_with_head_verdict_and_the_passengers_own_fine(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="riders1")
    candidate = helmet_candidate(db, utc_now(), "NO_HELMET_PASSENGER")
    db.commit()
    _sign_in(client, "riders1")
    page = client.get(f"/review/{candidate.id}?lang=en", headers=HTML).text
    assert 'id="rider-0"' in page and 'id="rider-1"' in page
    assert 'data-helmet="helmet_worn"' in page and 'data-helmet="helmet_missing"' in page
    assert "The person fined is the passenger" in page and "without a notice" in page
    heads = [part.split('"')[0] for part in page.split('class="head" src="')[1:]]
    assert len(heads) == 2
    served = client.get(heads[1])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert "riders_seen" not in page  # the riders are shown, not dumped as raw values
    vi = client.get(f"/review/{candidate.id}?lang=vi", headers=HTML).text
    assert "Người bị phạt là người được chở" in vi and "Không đội mũ bảo hiểm" in vi


def test_dropping_the_unhelmeted_rider_fells_the_finding(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="riders2")
    candidate = helmet_candidate(db, utc_now(), "NO_HELMET_PASSENGER_CARRIED")
    db.commit()
    _sign_in(client, "riders2")
    page = _claimed_page(client, candidate.id)
    assert "the finding falls" not in page.split('id="rider-0"')[1].split("</li>")[0]
    # Dropping the helmeted driver only records it: the finding stands.
    kept = _drop(client, candidate.id, page, 0, "a pedestrian's head behind")
    assert kept.status_code == 303 and kept.headers["location"] == f"/review/{candidate.id}"
    fresh(db)
    assert db.get(ViolationCandidate, candidate.id).status is CandidateStatus.pending_review  # type: ignore[union-attr]
    page = client.get(f"/review/{candidate.id}?lang=en", headers=HTML).text
    assert "a pedestrian&#39;s head behind" in page and 'action="/review/' in page
    again = _drop(client, candidate.id, page, 0, "twice")
    assert again.status_code == 422 and "no rider 0 left" in again.text
    fell = _drop(client, candidate.id, page, 1, "a hood, not a bare head")
    assert fell.status_code == 303 and fell.headers["location"].startswith("/review")
    fresh(db)
    done = db.get(ViolationCandidate, candidate.id)
    assert done is not None and done.status is CandidateStatus.rejected
    assert done.reject_reason is RejectReason.not_a_violation and "finding falls" in (done.review_note or "")
    assert [d["rider"] for d in done.measured["dropped_riders"]] == [0, 1]
    audits = _audits(db, candidate.id, "candidate.drop_rider")
    assert [a.detail["finding_falls"] for a in audits] == [False, True]
    assert len(_audits(db, candidate.id, "candidate.reject")) == 1


def test_overload_is_counted_again_three_then_two_then_none(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="riders3")
    candidate = make_candidate(db, code="OVERLOAD_3PLUS_PASSENGERS", vehicle_class="motorbike")
    candidate.measured = {
        "riders": 5,
        "passengers": 4,
        "frames": [3, 6, 9],
        "possible_child_passengers": [4],
        "fined": "rider",
        "riders_seen": [
            {"rider": p, "role": "driver" if p == 0 else "passenger", "helmet": "worn", "confidence": 0.9}
            | ({"possible_child": True} if p == 4 else {})
            for p in range(5)
        ],
    }
    db.commit()
    _sign_in(client, "riders3")
    page = _claimed_page(client, candidate.id)
    assert 'id="child-4"' in page and "Điều 7 khoản 2 điểm g" in page and 'id="child-3"' not in page
    assert _drop(client, candidate.id, page, 4, "a child under 12").status_code == 303
    fresh(db)
    after = db.get(ViolationCandidate, candidate.id)
    assert after is not None and after.violation_code == "OVERLOAD_3PLUS_PASSENGERS"
    assert (after.measured["riders"], after.measured["passengers"]) == (4, 3)
    assert after.measured["possible_child_passengers"] == []
    assert _drop(client, candidate.id, page, 3, "a head on the next motorbike").status_code == 303
    fresh(db)
    after = db.get(ViolationCandidate, candidate.id)
    assert after is not None and after.violation_code == "OVERLOAD_2_PASSENGERS"
    assert after.status is CandidateStatus.pending_review
    assert _drop(client, candidate.id, page, 2, "a shadow").status_code == 303
    fresh(db)
    after = db.get(ViolationCandidate, candidate.id)
    assert after is not None and after.status is CandidateStatus.rejected
    assert [a.detail["code_after"] for a in _audits(db, candidate.id, "candidate.drop_rider")] == [
        "OVERLOAD_3PLUS_PASSENGERS",
        "OVERLOAD_2_PASSENGERS",
        "OVERLOAD_2_PASSENGERS",
    ]


def test_bad_drops_are_refused_and_nothing_changes(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="riders4")
    make_staff(db, Role.reviewer, username="riders5")
    candidate = helmet_candidate(db, utc_now(), "NO_HELMET_PASSENGER")
    red = make_candidate(db, code="RED_LIGHT")
    db.commit()
    _sign_in(client, "riders4")
    page = client.get(f"/review/{candidate.id}", headers=HTML).text
    assert 'class="drop-rider"' not in page  # not claimed: no drop form
    refused = _drop(client, candidate.id, page, 1, "a hood")
    assert refused.status_code == 409  # claim it first
    page = _claimed_page(client, candidate.id)
    assert _drop(client, candidate.id, page, 1, "").status_code == 422  # a reason is required
    assert _drop(client, candidate.id, page, "first", "a hood").status_code == 422
    assert _drop(client, candidate.id, page, 9, "a hood").status_code == 422
    no_csrf = client.post(
        f"/review/{candidate.id}/drop-rider", data={"rider": "1", "reason": "a hood"}, headers=HTML
    )
    assert no_csrf.status_code in (400, 403)
    red_page = _claimed_page(client, red.id)
    assert _drop(client, red.id, red_page, 0, "a hood").status_code == 409  # no riders in a red light
    fresh(db)
    same = db.get(ViolationCandidate, candidate.id)
    assert (
        same is not None
        and same.status is CandidateStatus.pending_review
        and "dropped_riders" not in same.measured
    )
    assert _audits(db, candidate.id, "candidate.drop_rider") == []
    # Another reviewer cannot drop from a candidate this one holds.
    client.cookies.clear()
    _sign_in(client, "riders5")
    other = client.get(f"/review/{candidate.id}", headers=HTML).text
    assert _drop(client, candidate.id, other, 1, "a hood").status_code == 409


def test_only_reviewers_may_drop(client: TestClient, db: Session) -> None:
    make_staff(db, Role.ops, username="riders6")
    candidate = helmet_candidate(db, utc_now(), "NO_HELMET_PASSENGER")
    db.commit()
    _sign_in(client, "riders6")
    page = client.get("/", headers=HTML).text
    refused = client.post(
        f"/review/{candidate.id}/drop-rider",
        data={"csrf": _csrf(page), "rider": "1", "reason": "a hood"},
        headers=HTML,
        follow_redirects=False,
    )
    assert refused.status_code == 403
    client.cookies.clear()
    anonymous = client.post(f"/review/{candidate.id}/drop-rider", data={"rider": "1", "reason": "a hood"})
    assert anonymous.status_code in (401, 303, 403)


def test_the_api_drops_a_rider_too(client: TestClient, db: Session) -> None:
    candidate = helmet_candidate(db, utc_now(), "NO_HELMET_PASSENGER")
    db.commit()
    reviewer = staff_headers(Role.reviewer)
    url = f"/api/candidates/{candidate.id}/drop-rider"
    assert (
        client.post(url, json={"rider": 1, "reason": "a hood"}, headers=staff_headers(Role.ops)).status_code
        == 403
    )
    assert (
        client.post(url, json={"rider": 1, "reason": "a hood"}, headers=reviewer).status_code == 409
    )  # claim
    client.post(f"/api/candidates/{candidate.id}/claim", headers=reviewer)
    bad = client.post(url, json={"rider": -1, "reason": "a hood"}, headers=reviewer)
    assert bad.status_code == 422 and bad.json()["error"]
    assert client.post(url, json={"rider": 1}, headers=reviewer).status_code == 422
    kept = client.post(url, json={"rider": 0, "reason": "not on this motorbike"}, headers=reviewer)
    assert kept.status_code == 200 and kept.json()["status"] == "pending_review"
    fell = client.post(url, json={"rider": 1, "reason": "a hood, not a bare head"}, headers=reviewer)
    assert fell.status_code == 200 and fell.json()["status"] == "rejected"
    assert fell.json()["reject_reason"] == "not_a_violation"
