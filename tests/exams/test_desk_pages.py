"""The exam desk pages over HTTP: exam officers only, the check-in form (chip files, frames as files or
camera shots), the result with both photos inline, the officer's decision and its rules; bad input
answers with a clear message and records nothing."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from exams.models import CheckinAttempt, OfficerDecision, Registration
from identity.fixtures.chip import tampered
from tests.exams.conftest import Desk
from tests.support.factories import make_staff
from tests.support.identity import pki
from tests.web.test_pages import HTML, _csrf, _sign_in


def _officer(desk: Desk, db: Session, role: Role = Role.exam_officer) -> str:
    user = make_staff(db, role)
    db.commit()
    assert _sign_in(desk.client, user.username).status_code == 303
    return user.username


def _reg_id(db: Session, desk: Desk) -> str:
    db.rollback()
    return str(db.scalars(select(Registration.id).where(Registration.cccd == desk.candidate.id12)).one())


def _attempts(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(CheckinAttempt)) or 0


def _chip_files(chip: Any) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(n, (f"{n}.bin", getattr(chip, n), "application/octet-stream")) for n in ("dg1", "sod", "dg2")]


def _frame_files(desk: Desk, **kw: Any) -> list[tuple[str, tuple[str, bytes, str]]]:
    import base64

    return [
        ("frames", (f"f{i}.png", base64.b64decode(f), "image/png")) for i, f in enumerate(desk.frames(**kw))
    ]


def _check(desk: Desk, db: Session, files: list[Any], data: dict[str, Any] | None = None) -> Any:
    url = f"/exams/{desk.exam_id}/candidates/{_reg_id(db, desk)}/checkin"
    token = _csrf(desk.client.get(url, headers=HTML).text)
    return desk.client.post(url, data={"csrf": token, **(data or {})}, files=files, headers=HTML)


def _decide(desk: Desk, html: str, decision: str, reason: str) -> Any:
    action = re.search(r'action="(/exams/[^"]+/decision)"', html)
    assert action, "no decision form"
    return desk.client.post(
        action.group(1),
        data={"csrf": _csrf(html), "decision": decision, "reason": reason},
        headers=HTML,
        follow_redirects=False,
    )


def test_the_officer_admits_after_a_good_check_with_both_photos_inline(desk: Desk, db: Session) -> None:
    _officer(desk, db)
    resp = _check(desk, db, _chip_files(desk.chip()) + _frame_files(desk))
    assert resp.status_code == 200, resp.text
    assert 'data-verdict="admitted"' in resp.text and "person_bound" in resp.text
    assert resp.text.count('src="data:image/jpeg;base64,') == 2  # chip photo and live frame, inline only
    assert "0.000 / 0.5" in resp.text and "liveness.ok" in resp.text
    decided = _decide(desk, resp.text, "admitted", "Đã đối chiếu")
    assert decided.status_code == 303
    page = desk.client.get(decided.headers["location"], headers=HTML)
    assert "Đã cho thí sinh vào thi." in page.text and "Cán bộ: cho vào thi" in page.text
    db.rollback()
    attempt = db.scalars(select(CheckinAttempt)).one()
    assert attempt.officer_decision is OfficerDecision.admitted and attempt.verdict.value == "admitted"
    entries = db.scalars(select(AuditEntry).where(AuditEntry.object_id == str(attempt.id))).all()
    actions = {e.action for e in entries}
    assert {"exam.checkin", "exam_checkin.read", "exam.checkin_decided"} <= actions
    again = _decide(desk, resp.text, "refused", "changed my mind")
    assert again.status_code == 409 and "đã được quyết định" in again.text


def test_a_tampered_chip_is_refused_and_cannot_be_admitted(desk: Desk, db: Session) -> None:
    _officer(desk, db)
    forged = tampered(desk.chip(), pki(), "dg1", desk.candidate)
    resp = _check(desk, db, _chip_files(forged) + _frame_files(desk))
    assert 'data-verdict="refused"' in resp.text and "chip.dg_hash" in resp.text
    assert 'id="admit"' not in resp.text  # the page offers refusal only
    forced = _decide(desk, resp.text, "admitted", "tin tưởng")  # a hand-made POST is refused too
    assert forced.status_code == 409 and "kiểm tra lại" in forced.text
    assert _decide(desk, resp.text, "refused", "Chip không xác thực").status_code == 303
    db.rollback()
    assert db.scalars(select(CheckinAttempt)).one().officer_decision is OfficerDecision.refused


def test_bad_input_is_named_and_nothing_is_recorded(desk: Desk, db: Session) -> None:
    _officer(desk, db)
    nothing = _check(desk, db, [])
    assert nothing.status_code == 422 and "Cần dữ liệu thẻ" in nothing.text
    garbage = [("frames", ("f.png", b"not an image at all", "image/png"))]
    unreadable = _check(desk, db, _chip_files(desk.chip()) + garbage)
    assert unreadable.status_code == 422 and "face.image_unreadable" in unreadable.text
    empty = _check(desk, db, [("dg1", ("dg1.bin", b"", "application/octet-stream"))])
    assert empty.status_code == 422 and "sod" in empty.text  # DG1 without SOD: the form says which
    assert _attempts(db) == 0


def test_officers_list_create_and_register(desk: Desk, db: Session) -> None:
    _officer(desk, db)
    listing = desk.client.get("/exams", headers=HTML)
    assert listing.status_code == 200 and 'id="exams"' in listing.text
    made = desk.client.post(
        "/exams",
        data={
            "csrf": _csrf(listing.text),
            "code": "HN-01",
            "kind": "online",
            "centre": "Hà Nội",
            "starts_at": "2026-12-10T08:00",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert made.status_code == 303
    exam_page = desk.client.get(made.headers["location"], headers=HTML)
    assert "10/12/2026 08:00" in exam_page.text  # entered and shown in Vietnam's time
    exam_id = made.headers["location"].rsplit("/", 1)[-1]
    assert f'href="/proctoring/{exam_id}"' in exam_page.text  # an online exam links its proctor queue
    driving = desk.client.get(f"/exams/{desk.exam_id}", headers=HTML)
    assert 'id="proctor-link"' not in driving.text
    token = _csrf(exam_page.text)
    url = made.headers["location"] + "/candidates"
    bad = desk.client.post(url, data={"csrf": token, "cccd": "12ab", "full_name": "X"}, headers=HTML)
    assert bad.status_code == 422 and "cccd" in bad.text
    ok = desk.client.post(
        url, data={"csrf": token, "cccd": desk.candidate.id12, "full_name": "Nguyễn Văn A"}, headers=HTML
    )
    assert ok.status_code == 200 and desk.candidate.id12 in ok.text
    twice = desk.client.post(
        url, data={"csrf": token, "cccd": desk.candidate.id12, "full_name": "Nguyễn Văn A"}, headers=HTML
    )
    assert twice.status_code == 409 and "đã được đăng ký" in twice.text


def test_citizens_and_other_staff_cannot_open_the_desk(desk: Desk, db: Session, client: TestClient) -> None:
    reg = _reg_id(db, desk)
    for role in (Role.reviewer, Role.supervisor, Role.ops):
        user = make_staff(db, role)
        db.commit()
        _sign_in(client, user.username)
        for url in ("/exams", f"/exams/{desk.exam_id}", f"/exams/{desk.exam_id}/candidates/{reg}/checkin"):
            assert client.get(url, headers=HTML).status_code == 403, (role, url)
