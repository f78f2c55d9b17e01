"""Sanction decisions over the supervisors' API: which notices can be decided, the amount (the sum of
the fines) and the points (the largest deduction per licence class), the 10 days to pay from receipt,
the documents frozen at issue, the citizen told."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import AuditEntry, Job, Role
from core.time import to_local, utc_now
from detection.vehicles import VehicleClass
from penalties.decisions.document import DUE_ON_RECEIPT, NO_ACKNOWLEDGEMENT
from penalties.decisions.models import Decision, LicenceClass, PointsDeduction
from penalties.decisions.service import issue_decision
from penalties.notices.models import NoticeStatus
from tests.support.decisions import MOTORBIKE_PLATE, open_notice, supervisor_id
from tests.support.factories import make_citizen, staff_headers


@pytest.fixture
def supervisor() -> dict[str, str]:
    return staff_headers(Role.supervisor)


def post(client: TestClient, headers: dict[str, str], *notice_ids: uuid.UUID) -> dict:
    response = client.post(
        "/api/decisions", json={"notice_ids": [str(i) for i in notice_ids]}, headers=headers
    )
    return {"http": response.status_code, **response.json()}


def test_one_decision_sums_the_fines_and_deducts_the_largest_points_per_licence(
    client: TestClient, db: Session, supervisor: dict[str, str]
) -> None:
    owner = make_citizen(db, serial=8101)
    red = open_notice(db, owner, status=NoticeStatus.acknowledged)  # car, 18 000 000 ₫, 4 points
    speed = open_notice(db, owner, code="SPEED_10_20")  # car, 2 points; delivered, no driver named
    bike = open_notice(
        db,
        owner,
        plate=MOTORBIKE_PLATE[0],
        code="SPEED_GT20",
        vehicle_class=VehicleClass.motorbike,
        status=NoticeStatus.overdue,
    )
    assert (red.points, speed.points, bike.points) == (4, 2, 4)

    out = post(client, supervisor, red.id, speed.id, bike.id)
    assert out["http"] == 201, out
    assert out["amount_vnd"] == red.amount_vnd + speed.amount_vnd + bike.amount_vnd
    assert out["points"] == {"car": 4, "motorbike": 4}  # not 6 on the car licence: ND 168 Art. 50(1)(b)
    assert out["number"].startswith("QĐ-") and out["cccd"] == owner.cccd
    assert out["due_date"] is None and out["pay_by"] == DUE_ON_RECEIPT  # 10 days from receipt, not yet
    assert {red.legal_basis, bike.legal_basis} <= set(out["legal_basis"].split(" | "))
    assert [i["notice_id"] for i in out["items"]] == [str(red.id), str(speed.id), str(bike.id)]

    db.rollback()
    decision = db.get(Decision, uuid.UUID(out["id"]))
    assert decision is not None
    rows = db.scalars(select(PointsDeduction).where(PointsDeduction.decision_id == decision.id)).all()
    effective = to_local(decision.issued_at).date()  # the issue day, in Vietnam
    assert sorted((r.licence_class, r.points, r.effective_on) for r in rows) == [
        (LicenceClass.car, 4, effective),
        (LicenceClass.motorbike, 4, effective),
    ]
    keys = set(db.scalars(select(Job.key)))
    assert f"notify:decision.issued:{decision.id}:{owner.cccd}" in keys
    assert f"notify:points.changed:{decision.id}:{owner.cccd}" in keys
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "decision.issue")) is not None

    # A notice is decided once.
    again = post(client, supervisor, red.id)
    assert (again["http"], again["error"]) == (409, "NoticeAlreadyDecided")


@pytest.mark.parametrize(
    "status", [NoticeStatus.nominated_driver, NoticeStatus.disputed, NoticeStatus.issued, NoticeStatus.paid]
)
def test_a_notice_waiting_on_a_nomination_or_a_dispute_is_not_decided(
    client: TestClient, db: Session, supervisor: dict[str, str], status: NoticeStatus
) -> None:
    owner = make_citizen(db, serial=8102)
    notice = open_notice(db, owner, status=status)
    out = post(client, supervisor, notice.id)
    assert (out["http"], out["error"]) == (409, "NoticeNotDecidable")
    assert str(status) in out["detail"]
    db.rollback()
    assert db.scalar(select(Decision.id)) is None and db.scalar(select(PointsDeduction.id)) is None


def test_one_decision_per_liable_person_and_supervisors_only(
    client: TestClient, db: Session, supervisor: dict[str, str]
) -> None:
    owner, other = make_citizen(db, serial=8103), make_citizen(db, serial=8104)
    mine = open_notice(db, owner)
    theirs = open_notice(db, other, plate="51G54321")
    out = post(client, supervisor, mine.id, theirs.id)
    assert (out["http"], out["error"]) == (422, "SeveralLiablePersons")
    assert post(client, supervisor, uuid.uuid4())["http"] == 404
    refused = post(client, staff_headers(Role.reviewer), mine.id)
    assert refused["http"] == 403
    assert client.get("/api/decisions", headers=staff_headers(Role.reviewer)).status_code == 403


def test_the_accepted_driver_is_the_person_sanctioned(
    client: TestClient, db: Session, supervisor: dict[str, str]
) -> None:
    owner, driver = make_citizen(db, serial=8105), make_citizen(db, serial=8106, name="Trần Thị Bình")
    notice = open_notice(db, owner, status=NoticeStatus.acknowledged)
    notice.driver_cccd = driver.cccd
    db.commit()
    out = post(client, supervisor, notice.id)
    assert out["http"] == 201 and out["cccd"] == driver.cccd
    html = client.get(f"/api/decisions/{out['id']}.html", headers=supervisor).text
    assert "Trần Thị Bình" in html and driver.cccd in html


def test_the_documents_served_are_the_ones_issued(
    client: TestClient, db: Session, supervisor: dict[str, str]
) -> None:
    owner = make_citizen(db, serial=8107)
    notice = open_notice(db, owner, status=NoticeStatus.acknowledged)
    out = post(client, supervisor, notice.id)
    pdf = client.get(f"/api/decisions/{out['id']}.pdf", headers=supervisor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-content-sha256"] == out["document_sha256"]
    assert get_blob_store().get(out["document_sha256"]) == pdf.content
    html = client.get(f"/api/decisions/{out['id']}.html", headers=supervisor)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for text in (out["number"], "18.000.000 ₫", notice.number, notice.legal_basis, DUE_ON_RECEIPT):
        assert text in html.text
    assert NO_ACKNOWLEDGEMENT in html.text

    db.rollback()
    notice.owner_snapshot = {**notice.owner_snapshot, "plate_display": "99Z-999.99"}
    notice.candidate.camera.name = "Tên mới"
    db.commit()
    assert client.get(f"/api/decisions/{out['id']}.html", headers=supervisor).content == html.content
    reads = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "decision.read")).all()
    assert {r["purpose"] for r in reads} >= {"staff API: decision PDF", "staff API: decision HTML"}


def test_a_signed_acknowledgement_is_shown_in_the_document(db: Session) -> None:
    owner = make_citizen(db, serial=8108)
    notice = open_notice(db, owner, status=NoticeStatus.acknowledged)
    ack = {"signed_at": "29/11/2026 09:15", "signature_sha256": "ab" * 32}
    decision = issue_decision(
        db, [notice.id], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now(), acknowledgement=ack
    )
    db.commit()
    html = get_blob_store().get(decision.html_sha256 or "").decode()
    assert "ab" * 32 in html and "29/11/2026 09:15" in html and NO_ACKNOWLEDGEMENT not in html


def test_the_list_is_paginated_and_audited(
    client: TestClient, db: Session, supervisor: dict[str, str]
) -> None:
    first, second = make_citizen(db, serial=8109), make_citizen(db, serial=8110)
    ids = [
        post(client, supervisor, open_notice(db, first).id)["id"],
        post(client, supervisor, open_notice(db, second, plate="51G54321").id)["id"],
    ]
    page = client.get("/api/decisions", params={"size": 1, "page": 2}, headers=supervisor).json()
    assert page["total"] == 2 and page["page"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["id"] in ids
    one = client.get(f"/api/decisions/{ids[0]}", headers=supervisor)
    assert one.status_code == 200 and one.json()["id"] == ids[0]
    assert client.get(f"/api/decisions/{uuid.uuid4()}", headers=supervisor).status_code == 404
    db.rollback()
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"decisions.read", "decision.read"} <= actions


def test_a_decided_notice_takes_no_more_answers(db: Session) -> None:
    from core.auth.principal import CITIZEN, Principal
    from penalties.responses.disputes import open_dispute
    from penalties.responses.nominations import nominate
    from penalties.responses.service import acknowledge

    owner, driver = make_citizen(db, serial=8111), make_citizen(db, serial=8112)
    notice = open_notice(db, owner)
    issue_decision(db, [notice.id], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now())
    db.commit()
    assert notice.status is NoticeStatus.decided
    me = Principal(CITIZEN, owner.cccd, acr="vneid:level2", idp_session="sid-1")
    attempts = {
        "acknowledge": lambda: acknowledge(db, notice, me, now=utc_now()),
        "nominate": lambda: nominate(
            db, notice, owner_cccd=owner.cccd, driver_cccd=driver.cccd, now=utc_now()
        ),
        "dispute": lambda: open_dispute(
            db, notice, cccd=owner.cccd, text="không phải tôi", files=[], now=utc_now()
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(Exception) as info:
            attempt()
        assert getattr(info.value, "status_code", None) == 409, (name, info.value)
        db.rollback()
    again = db.get(type(notice), notice.id)
    assert again is not None and again.status is NoticeStatus.decided


def test_an_organisation_that_named_no_driver_loses_no_one_s_points(db: Session) -> None:
    from penalties.notices.models import Notice
    from tests.support.responses import delivered_notice

    representative = make_citizen(db, serial=8121)
    notice = db.get(Notice, delivered_notice(db, representative, organisation=True))
    assert notice is not None and notice.points > 0
    decision = issue_decision(db, [notice.id], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now())
    db.commit()
    assert decision.amount_vnd == notice.amount_vnd  # fined as an organisation
    assert decision.points == {}
    assert db.scalars(select(PointsDeduction).where(PointsDeduction.cccd == representative.cccd)).all() == []
