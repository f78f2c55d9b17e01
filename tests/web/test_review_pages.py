"""The review console over HTTP: queue filters, the review page's facts and warnings, form errors, and
evidence files served with their hash."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import Role
from core.time import utc_now, vn_today
from penalties.candidates.models import EvidenceItem, EvidenceKind
from tests.support.factories import make_candidate, make_citizen, make_staff, make_vehicle
from tests.web.test_pages import HTML, _csrf, _sign_in


def rows(html: str) -> int:
    return html.count("<tr data-id=")


def test_queue_filters(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="queue1")
    now = utc_now()
    make_candidate(db, plate="51G12345", detected_at=now - timedelta(days=3), camera_code="HCM-Q1-001")
    low = make_candidate(db, plate="51G12346", code="SPEED_10_20", detected_at=now - timedelta(days=1))
    low.plate_confidence = 0.5
    flagged = make_candidate(
        db, plate="29A11111", camera_code="HN-HK-001", detected_at=now - timedelta(hours=5)
    )
    flagged.flags = [{"flag": "stolen", "detail": "stolen"}]
    db.commit()
    _sign_in(client, "queue1")
    assert rows(client.get("/review", headers=HTML).text) == 3
    assert rows(client.get("/review?camera=HN-HK-001", headers=HTML).text) == 1
    assert rows(client.get("/review?code=SPEED_10_20", headers=HTML).text) == 1
    assert rows(client.get("/review?min_conf=0.9", headers=HTML).text) == 2
    assert rows(client.get("/review?flagged=true", headers=HTML).text) == 1
    # The page reads from=/to= as Vietnamese dates: three, one and zero-or-one days ago there.
    since = (vn_today() - timedelta(days=2)).isoformat()
    assert rows(client.get(f"/review?from={since}", headers=HTML).text) == 2
    until = (vn_today() - timedelta(days=2)).isoformat()
    assert rows(client.get(f"/review?to={until}", headers=HTML).text) == 1
    page = client.get("/review", headers=HTML).text
    assert page.index("51G-123.45") < page.index("51G-123.46") < page.index("29A-111.11")  # oldest first
    assert client.get("/review?lang=en", headers=HTML).text.count("Review queue") >= 1


def test_review_page_facts_warnings_and_form_errors(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="page1")
    owner = make_citizen(db, serial=1212)
    vehicle = make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    vehicle.colour = "Trắng"
    candidate = make_candidate(db, plate="51G12345")
    candidate.provenance = {"vehicle_colour": "red", "alternatives": ["51G12346"]}
    data = b"\x89PNG fake image bytes for the test"
    db.add(
        EvidenceItem(
            candidate_id=candidate.id,
            kind=EvidenceKind.plate_crop,
            sha256=get_blob_store().put(data),
            content_type="image/png",
            size_bytes=len(data),
            captured_at=None,
        )
    )
    db.commit()
    _sign_in(client, "page1")
    page = client.get(f"/review/{candidate.id}", headers=HTML)
    assert owner.full_name in page.text and owner.cccd in page.text
    assert "camera saw a red vehicle (Đỏ); registered as Trắng" in page.text
    assert "51G12346" in page.text  # the alternatives
    claim = client.post(
        f"/review/{candidate.id}/claim", data={"csrf": _csrf(page.text)}, headers=HTML, follow_redirects=False
    )
    assert claim.status_code == 303
    page = client.get(f"/review/{candidate.id}", headers=HTML)
    refused = client.post(f"/review/{candidate.id}/confirm", data={"csrf": _csrf(page.text)}, headers=HTML)
    assert refused.status_code == 409 and "registered as Trắng" in refused.text  # acknowledge first
    bad_plate = client.post(
        f"/review/{candidate.id}/plate", data={"csrf": _csrf(page.text), "plate": "hello"}, headers=HTML
    )
    assert bad_plate.status_code == 422
    no_csrf = client.post(f"/review/{candidate.id}/reject", data={"reason": "duplicate"}, headers=HTML)
    assert no_csrf.status_code == 403
    item = candidate.evidence[0]
    served = client.get(f"/evidence/{item.id}")
    assert served.content == data and served.headers["x-content-sha256"] == item.sha256
