"""The supervisors' decision pages over HTTP: the notices to decide, issuing one decision over several
notices of one person from the form, the decision's page and list, and who may use them."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from penalties.decisions.models import Decision
from penalties.notices.models import NoticeStatus
from tests.support.decisions import open_notice
from tests.support.factories import make_citizen, make_staff
from tests.web.test_pages import HTML, _csrf, _sign_in


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def issue(client: TestClient, *notice_ids: uuid.UUID, follow: bool = False):
    page = client.get("/decisions/pending", headers=HTML)
    return client.post(
        "/decisions",
        data={"csrf": _csrf(page.text), "notice_id": [str(i) for i in notice_ids]},
        headers=HTML,
        follow_redirects=follow,
    )


def decision_count(db: Session) -> int:
    """How many decisions there are now (a fresh read, the test's transaction ended after it)."""
    db.rollback()
    count = db.scalar(select(func.count()).select_from(Decision)) or 0
    db.rollback()  # no read snapshot left open: the test may write again
    return count


def test_the_list_shows_a_decidable_notice_and_not_a_disputed_one(client: TestClient, db: Session) -> None:
    make_staff(db, Role.supervisor, username="chief1")
    owner = make_citizen(db, serial=9101, name="Trần Thị Bình")
    open_one = open_notice(db, owner)  # delivered, no driver named: the owner is liable
    disputed = open_notice(db, owner, code="SPEED_10_20", status=NoticeStatus.disputed)
    nominated = open_notice(db, owner, code="SPEED_20_35", status=NoticeStatus.nominated_driver)
    _sign_in(client, "chief1")

    page = client.get("/decisions/pending", headers=HTML)
    assert page.status_code == 200
    assert "Thông báo chờ ra quyết định" in page.text
    assert open_one.number in page.text and f'value="{open_one.id}"' in page.text
    assert disputed.number not in page.text and nominated.number not in page.text
    assert "Trần Thị Bình" in page.text and owner.cccd in page.text
    assert vnd(open_one.amount_vnd) in page.text
    assert 'href="/decisions/pending"' in page.text and 'href="/decisions"' in page.text  # the navigation

    other = make_citizen(db, serial=9102)
    elsewhere = open_notice(db, other, plate="30A99999", status=NoticeStatus.acknowledged)
    only_other = client.get(f"/decisions/pending?cccd={other.cccd}", headers=HTML).text
    assert elsewhere.number in only_other and open_one.number not in only_other
    assert "Notices to decide" in client.get("/decisions/pending?lang=en", headers=HTML).text

    db.rollback()
    reads = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "notices.read").order_by(AuditEntry.seq)
    ).all()
    assert any(str(open_one.id) in r.detail.get("notices", []) for r in reads)


def test_two_notices_of_one_person_give_one_decision(client: TestClient, db: Session) -> None:
    make_staff(db, Role.supervisor, username="chief2")
    owner = make_citizen(db, serial=9201, name="Lê Văn Cường")
    red = open_notice(db, owner, status=NoticeStatus.acknowledged)  # car, 4 points
    speed = open_notice(db, owner, code="SPEED_10_20", status=NoticeStatus.overdue)  # car, 2 points
    assert (red.points, speed.points) == (4, 2)
    _sign_in(client, "chief2")

    resp = issue(client, red.id, speed.id)
    assert resp.status_code == 303, resp.text
    location = resp.headers["location"]
    assert re.fullmatch(r"/decisions/[0-9a-f-]{36}\?issued=1", location)
    assert decision_count(db) == 1
    decision = db.scalars(select(Decision)).one()
    total = red.amount_vnd + speed.amount_vnd
    assert decision.amount_vnd == total and decision.points == {"car": 4} and decision.cccd == owner.cccd
    assert str(decision.id) in location

    page = client.get(location, headers=HTML).text
    assert decision.number in page and "Lê Văn Cường" in page and owner.cccd in page
    assert vnd(total) in page  # 1.234.567 đ
    assert "Ô tô (hạng B…): −4" in page and "−2" not in page  # the largest, not the sum
    assert "10 ngày kể từ ngày nhận" in page  # not received yet: counted from receipt
    assert red.number in page and speed.number in page and "Đã ban hành" in page
    html_doc = client.get(f"/api/decisions/{decision.id}.html", headers=HTML)
    pdf_doc = client.get(f"/api/decisions/{decision.id}.pdf", headers=HTML)
    assert (
        f'href="/api/decisions/{decision.id}.html"' in page
        and f'href="/api/decisions/{decision.id}.pdf"' in page
    )
    assert html_doc.status_code == 200 and decision.number in html_doc.text
    assert pdf_doc.status_code == 200 and pdf_doc.content.startswith(b"%PDF")

    pending = client.get("/decisions/pending", headers=HTML).text
    assert red.number not in pending and speed.number not in pending  # decided once

    listed = client.get("/decisions", headers=HTML).text
    assert decision.number in listed and vnd(total) in listed
    tail = decision.number.rsplit("-", 1)[1].lower()
    assert decision.number in client.get(f"/decisions?number={tail}", headers=HTML).text
    assert decision.number not in client.get("/decisions?number=QĐ-19990101", headers=HTML).text
    assert decision.number not in client.get("/decisions?status=paid", headers=HTML).text

    db.rollback()
    reads = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "decision.read").order_by(AuditEntry.seq)
    ).all()
    assert any(r.detail["purpose"] == "review console: decision page" for r in reads)


def test_a_reviewer_is_refused(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="officer3")
    owner = make_citizen(db, serial=9301)
    notice = open_notice(db, owner, status=NoticeStatus.acknowledged)
    _sign_in(client, "officer3")
    home = client.get("/", headers=HTML).text
    assert 'href="/decisions' not in home  # no link for a non-supervisor
    assert client.get("/decisions/pending", headers=HTML).status_code == 403
    assert client.get("/decisions", headers=HTML).status_code == 403
    refused = client.post(
        "/decisions", data={"csrf": _csrf(home), "notice_id": [str(notice.id)]}, headers=HTML
    )
    assert refused.status_code == 403
    assert decision_count(db) == 0


def test_two_persons_show_the_error_and_issue_nothing(client: TestClient, db: Session) -> None:
    make_staff(db, Role.supervisor, username="chief4")
    first = open_notice(db, make_citizen(db, serial=9401), status=NoticeStatus.acknowledged)
    second = open_notice(db, make_citizen(db, serial=9402), plate="30A88888", status=NoticeStatus.delivered)
    numbers = (first.number, second.number)
    _sign_in(client, "chief4")

    resp = issue(client, first.id, second.id)
    assert resp.status_code == 422
    assert "thuộc nhiều người khác nhau" in resp.text and 'id="error"' in resp.text
    assert f'value="{first.id}" aria-label="{first.number}" checked' in resp.text  # the choice is kept
    assert decision_count(db) == 0
    pending = client.get("/decisions/pending", headers=HTML).text
    assert all(number in pending for number in numbers)  # both still to decide

    nothing = issue(client)
    assert nothing.status_code == 422 and "Hãy chọn ít nhất một thông báo" in nothing.text
    disputed = open_notice(db, make_citizen(db, serial=9403), plate="30A77777", status=NoticeStatus.disputed)
    refused = issue(client, disputed.id)
    assert refused.status_code == 409 and "chưa thể ra quyết định" in refused.text
    assert decision_count(db) == 0
