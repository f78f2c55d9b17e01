"""A notice's document is rendered once, when it is issued, and kept by hash: the PDF served later is
the one issued, whatever happens to the rows it was made from. Cancelling keeps the reason."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.models import AuditEntry, Role, User
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.service import cancel_notice
from penalties.notices.states import TransitionNotAllowed
from penalties.review.service import Decision, claim, confirm
from tests.support.factories import make_candidate, make_citizen, make_staff, make_vehicle, staff_headers
from tests.web.test_pages import _sign_in


def _issued(db: Session, serial: int, username: str) -> tuple[Notice, str]:
    owner = make_citizen(db, serial=serial)
    make_vehicle(db, owner, plate="51G12345", display="51G-123.45")
    make_staff(db, Role.reviewer, username=username)
    candidate = make_candidate(db, plate="51G12345")
    db.commit()
    actor = f"staff:{db.scalars(select(User.id).where(User.username == username)).one()}"
    claim(db, candidate.id, actor=actor)
    notice = confirm(db, candidate.id, Decision(), actor=actor).notice
    assert notice is not None
    db.commit()
    return notice, actor


def test_the_pdf_served_is_the_one_issued(client: TestClient, db: Session) -> None:
    notice, _ = _issued(db, 7101, "doc1")
    assert notice.document_sha256 is not None
    issued = get_blob_store().get(notice.document_sha256)
    assert issued.startswith(b"%PDF")
    _sign_in(client, "doc1")
    first = client.get(f"/notices/{notice.id}/pdf")
    assert first.status_code == 200 and first.content == issued
    assert first.headers["x-content-sha256"] == notice.document_sha256

    # The rows it was made from change afterwards (a camera renamed, the owner's snapshot edited):
    notice.candidate.camera.name = "Tên mới của camera"
    notice.owner_snapshot = {**notice.owner_snapshot, "plate_display": "99Z-999.99"}
    db.commit()
    assert client.get(f"/notices/{notice.id}/pdf").content == issued


def test_a_notice_from_before_is_frozen_at_its_first_read(client: TestClient, db: Session) -> None:
    notice, _ = _issued(db, 7102, "doc2")
    notice.document_sha256 = None  # as issued before documents were stored
    db.commit()
    _sign_in(client, "doc2")
    first = client.get(f"/notices/{notice.id}/pdf")
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    db.rollback()
    frozen = db.scalar(select(Notice.document_sha256).where(Notice.id == notice.id))
    assert frozen == first.headers["x-content-sha256"]
    assert client.get(f"/notices/{notice.id}/pdf").content == first.content


def test_cancel_keeps_the_reason_is_audited_and_final(db: Session) -> None:
    notice, _ = _issued(db, 7103, "doc3")
    cancel_notice(db, notice.id, reason="Khiếu nại được chấp nhận", actor="staff:sup")
    db.commit()
    assert (notice.status, notice.cancel_reason) == (NoticeStatus.cancelled, "Khiếu nại được chấp nhận")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.cancel")).one()
    assert entry.object_id == str(notice.id) and entry.detail == {"reason": "Khiếu nại được chấp nhận"}
    try:
        cancel_notice(db, notice.id, reason="again", actor="staff:sup")
    except TransitionNotAllowed as exc:
        assert "a cancelled notice cannot become cancelled" in str(exc)
    else:
        raise AssertionError("a cancelled notice was cancelled again")


def test_only_supervisors_cancel_through_the_api(client: TestClient, db: Session) -> None:
    notice, _ = _issued(db, 7104, "doc4")
    body = {"reason": "Sai chủ phương tiện / wrong owner"}
    reviewer = client.post(
        f"/api/notices/{notice.id}/cancel", json=body, headers=staff_headers(Role.reviewer)
    )
    assert reviewer.status_code == 403
    supervisor = staff_headers(Role.supervisor)
    done = client.post(f"/api/notices/{notice.id}/cancel", json=body, headers=supervisor)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled" and done.json()["cancel_reason"] == body["reason"]
    again = client.post(f"/api/notices/{notice.id}/cancel", json=body, headers=supervisor)
    assert again.status_code == 409 and again.json()["error"] == "TransitionNotAllowed"
    short = client.post(f"/api/notices/{notice.id}/cancel", json={"reason": ""}, headers=supervisor)
    assert short.status_code == 422
