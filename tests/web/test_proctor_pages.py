"""The proctor's review queue page: roles, one exam's flags newest first with filters and pages, the
frame through the audited API route, dismiss / confirm with a reason (audited), errors on the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role, User
from core.time import utc_now
from exams.proctoring.models import FlagKind, FlagStatus, ProctorFlag
from tests.support.factories import citizen_token, make_citizen, make_staff
from tests.support.proctoring import candidate, online_exam, raise_flag
from tests.web.test_pages import HTML, _csrf, _sign_in
from web import proctoring


def flag_ids(html: str) -> list[str]:
    return re.findall(r'<section class="card flag" id="flag-([0-9a-f-]+)"', html)


def _audit(db: Session, action: str) -> list[AuditEntry]:
    db.rollback()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


@pytest.fixture
def officer(client: TestClient, db: Session) -> TestClient:
    make_staff(db, Role.exam_officer, username="giamthi")
    db.commit()
    assert _sign_in(client, "giamthi").status_code == 303
    return client


def test_only_exam_officers_and_admins_open_the_queue(client: TestClient, db: Session) -> None:
    exam = online_exam(db)
    make_staff(db, Role.reviewer, username="rev9")
    make_staff(db, Role.admin, username="root9")
    person = make_citizen(db, serial=4242)
    db.commit()
    url = f"/proctoring/{exam.id}"
    anonymous = client.get(url, headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == f"/login?next={url}"
    as_citizen = {**HTML, "Authorization": f"Bearer {citizen_token(client, person.cccd)}"}
    assert client.get(url, headers=as_citizen).status_code == 403
    assert client.get("/proctoring", headers=as_citizen).status_code == 403
    _sign_in(client, "rev9")
    assert client.get(url, headers=HTML).status_code == 403
    assert 'href="/proctoring"' not in client.get("/", headers=HTML).text  # no link for a reviewer
    client.post("/logout", data={"csrf": _csrf(client.get("/", headers=HTML).text)}, headers=HTML)
    _sign_in(client, "root9")
    assert client.get(url, headers=HTML).status_code == 200


def test_the_exam_list_links_each_online_exam_with_its_open_flags(officer: TestClient, db: Session) -> None:
    busy, calm = online_exam(db, "ON-BUSY"), online_exam(db, "ON-CALM")
    reg = candidate(db, busy, "079090000001", "Nguyễn Văn An")
    raise_flag(db, reg, FlagKind.no_face)
    raise_flag(db, reg, FlagKind.unusable)
    db.commit()
    home = officer.get("/", headers=HTML).text
    assert 'href="/proctoring"' in home and "Giám sát thi trực tuyến" in home
    page = officer.get("/proctoring", headers=HTML).text
    row = r'<a href="/proctoring/[0-9a-f-]+">(ON-\w+)</a>.*?<td class="num">(\d+)'
    counts = dict(re.findall(row, page, re.S))
    assert counts == {"ON-BUSY": "2", "ON-CALM": "0"}
    assert f'href="/proctoring/{calm.id}"' in page


def test_the_queue_lists_that_exams_flags_newest_first_by_page(
    officer: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proctoring, "PAGE", 2)
    exam, elsewhere = online_exam(db), online_exam(db)
    an = candidate(db, exam, "079090000001", "Nguyễn Văn An")
    binh = candidate(db, exam, "079090000002", "Trần Thị Bình")
    stranger = candidate(db, elsewhere, "079090000003", "Lê Văn Cường")
    now = utc_now()
    oldest = raise_flag(db, an, FlagKind.no_face, at=now - timedelta(minutes=30))
    newest = raise_flag(db, binh, FlagKind.different_face, at=now - timedelta(minutes=1), seed=1)
    middle = raise_flag(db, an, FlagKind.several_faces, at=now - timedelta(minutes=10), seed=2)
    other = raise_flag(db, stranger, FlagKind.no_face, at=now, seed=3)
    db.commit()

    first = officer.get(f"/proctoring/{exam.id}", headers=HTML)
    assert first.status_code == 200
    assert flag_ids(first.text) == [str(newest.id), str(middle.id)]
    assert "Trần Thị Bình" in first.text and "079090000002" in first.text
    assert "Khuôn mặt khác người đã vào thi" in first.text and "Nhiều khuôn mặt" in first.text
    assert "0.6731 / 0.5000" in first.text and "vượt ngưỡng" in first.text
    assert f'src="/api/exams/{exam.id}/flags/{newest.id}/evidence"' in first.text
    assert 'href="?show=open&page=2"' in first.text
    second = officer.get(f"/proctoring/{exam.id}?page=2", headers=HTML).text
    assert flag_ids(second) == [str(oldest.id)]
    assert str(other.id) not in first.text + second and "Lê Văn Cường" not in first.text + second
    english = officer.get(f"/proctoring/{exam.id}?lang=en", headers=HTML).text
    assert "A different face from the one admitted" in english and "above the threshold" in english

    [read, *_] = _audit(db, "exam_proctor_flags.read")
    assert read.detail["purpose"] == "proctor queue page"
    assert read.detail["flags"] == [str(newest.id), str(middle.id)]
    assert read.detail["owners"] == ["079090000001", "079090000002"]


def test_the_frame_loads_through_the_audited_evidence_route(officer: TestClient, db: Session) -> None:
    exam = online_exam(db)
    flag = raise_flag(db, candidate(db, exam, "079090000001", "Nguyễn Văn An"), FlagKind.no_face)
    db.commit()
    page = officer.get(f"/proctoring/{exam.id}", headers=HTML).text
    src = re.search(r'<img src="([^"]+)"', page)
    assert src is not None
    image = officer.get(src.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8")
    [read] = _audit(db, "exam_proctor_flag.read")
    assert read.object_id == str(flag.id) and read.detail["owner_cccd"] == "079090000001"


def test_time_is_shown_in_vietnam(officer: TestClient, db: Session) -> None:
    exam = online_exam(db)
    reg = candidate(db, exam, "079090000001", "Nguyễn Văn An")
    raise_flag(db, reg, FlagKind.no_face, at=datetime(2026, 3, 1, 17, 30, 5, tzinfo=UTC))
    db.commit()
    page = officer.get(f"/proctoring/{exam.id}", headers=HTML).text
    assert "02/03/2026 00:30:05" in page and "01/03/2026 17:30" not in page


def test_dismiss_with_a_reason_is_audited_and_leaves_the_open_queue(officer: TestClient, db: Session) -> None:
    exam = online_exam(db)
    an = candidate(db, exam, "079090000001", "Nguyễn Văn An")
    flag = raise_flag(db, an, FlagKind.unusable)
    kept = raise_flag(db, an, FlagKind.no_face, seed=1)
    db.commit()
    page = officer.get(f"/proctoring/{exam.id}", headers=HTML).text
    form = {"csrf": _csrf(page), "decision": "dismissed", "reason": "  Mạng chập chờn, đã xem lại  "}
    url = f"/proctoring/{exam.id}/flags/{flag.id}/resolution"
    done = officer.post(url, data=form, headers=HTML, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/proctoring/{exam.id}?show=open&done={flag.id}"
    after = officer.get(done.headers["location"], headers=HTML).text
    assert 'id="done"' in after and flag_ids(after) == [str(kept.id)]
    resolved = officer.get(f"/proctoring/{exam.id}?show=resolved", headers=HTML).text
    assert flag_ids(resolved) == [str(flag.id)] and "Mạng chập chờn, đã xem lại" in resolved
    assert "Đã bỏ qua" in resolved and 'class="resolve"' not in resolved
    both = officer.get(f"/proctoring/{exam.id}?show=all", headers=HTML).text
    assert sorted(flag_ids(both)) == sorted([str(flag.id), str(kept.id)])

    db.rollback()  # a fresh snapshot: the requests committed in their own sessions
    db.expire_all()  # objects made in this session are not expired by a rollback
    stored = db.get(ProctorFlag, flag.id)
    assert stored is not None and stored.status is FlagStatus.dismissed
    assert stored.resolution_reason == "Mạng chập chờn, đã xem lại"
    [entry] = _audit(db, "exam.flag_resolved")
    user = db.scalar(select(User).where(User.username == "giamthi"))
    assert user is not None and entry.object_id == str(flag.id) and entry.actor == f"staff:{user.id}"
    assert entry.detail == {
        "owner_cccd": "079090000001",
        "decision": "dismissed",
        "reason": "Mạng chập chờn, đã xem lại",
    }


def test_a_short_reason_or_a_resolved_flag_shows_the_error_and_the_page_works(
    officer: TestClient, db: Session
) -> None:
    exam = online_exam(db)
    flag = raise_flag(db, candidate(db, exam, "079090000001", "Nguyễn Văn An"), FlagKind.no_face)
    db.commit()
    token = _csrf(officer.get(f"/proctoring/{exam.id}", headers=HTML).text)
    url = f"/proctoring/{exam.id}/flags/{flag.id}/resolution"
    short = officer.post(url, data={"csrf": token, "decision": "confirmed", "reason": " x "}, headers=HTML)
    assert short.status_code == 422
    assert "ghi lý do từ 3 đến 500 ký tự" in short.text and flag_ids(short.text) == [str(flag.id)]
    wrong = officer.post(url, data={"csrf": token, "decision": "open", "reason": "abc"}, headers=HTML)
    assert wrong.status_code == 422 and 'id="error"' in wrong.text
    no_csrf = officer.post(url, data={"decision": "confirmed", "reason": "Người khác ngồi thi"}, headers=HTML)
    assert no_csrf.status_code == 403
    db.rollback()  # a fresh snapshot: the requests committed in their own sessions
    db.expire_all()  # objects made in this session are not expired by a rollback
    assert db.get(ProctorFlag, flag.id).status is FlagStatus.open  # type: ignore[union-attr]
    assert _audit(db, "exam.flag_resolved") == []

    form = {"csrf": token, "decision": "confirmed", "reason": "Người khác ngồi thi"}
    assert officer.post(url, data=form, headers=HTML, follow_redirects=False).status_code == 303
    again = officer.post(url, data={**form, "decision": "dismissed"}, headers=HTML)
    assert again.status_code == 409 and "đã được xử lý trước đó" in again.text
    db.rollback()  # a fresh snapshot: the requests committed in their own sessions
    db.expire_all()  # objects made in this session are not expired by a rollback
    assert db.get(ProctorFlag, flag.id).status is FlagStatus.confirmed  # type: ignore[union-attr]
    elsewhere = online_exam(db)
    db.commit()
    moved = officer.post(f"/proctoring/{elsewhere.id}/flags/{flag.id}/resolution", data=form, headers=HTML)
    assert moved.status_code == 404 and "Không tìm thấy cảnh báo này" in moved.text


def test_a_duplicate_face_flag_names_the_other_candidate(officer: TestClient, db: Session) -> None:
    from core.evidence import get_blob_store
    from exams.proctoring.frames import jpeg
    from exams.proctoring.service import FrameCheck, _flag
    from tests.support.proctoring import frame

    exam = online_exam(db)
    an = candidate(db, exam, "079090000001", "Nguyễn Văn An")
    binh = candidate(db, exam, "079090000002", "Trần Thị Bình")
    check = FrameCheck(FlagKind.duplicate_face, "face.duplicate", 0.12, 0.5)
    _flag(db, exam, an.id, check, get_blob_store().put(jpeg(frame(7))), actor="t", other=binh.id)
    db.commit()
    page = officer.get(f"/proctoring/{exam.id}", headers=HTML).text
    assert "Cùng khuôn mặt với thí sinh khác" in page and "trong ngưỡng" in page
    assert re.search(r'class="other">Trần Thị Bình · 079090000002', page)
    [read] = _audit(db, "exam_proctor_flags.read")
    assert read.detail["owners"] == ["079090000001", "079090000002"]  # both people were shown
