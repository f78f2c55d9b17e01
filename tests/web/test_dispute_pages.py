"""The supervisors' dispute queue page: open disputes oldest first, a dispute's page, and the decision
form (with its errors shown on the page)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.models import Role
from core.time import utc_now
from penalties.notices.models import Notice, NoticeStatus
from penalties.responses.disputes import open_dispute
from penalties.responses.models import Dispute, DisputeStatus
from tests.support.factories import make_staff
from tests.support.responses import delivered_notice, people
from tests.web.test_pages import HTML, _csrf, _sign_in


def rows(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('<tr data-id="')[1:]]


def test_queue_and_decision_form(client: TestClient, db: Session) -> None:
    make_staff(db, Role.supervisor, username="sup1")
    make_staff(db, Role.reviewer, username="rev1")
    older_owner, newer_owner = people(db, 501, 502)
    made = []
    for owner, plate, days in ((newer_owner, "51G22222", 1), (older_owner, "51G11111", 3)):
        notice = db.get(Notice, delivered_notice(db, owner, plate=plate))
        assert notice is not None
        dispute = open_dispute(
            db,
            notice,
            cccd=owner.cccd,
            text=f"Giải trình của {owner.cccd}",
            files=[],
            now=utc_now() - timedelta(days=days),
        )
        db.commit()
        made.append(dispute.id)
    newer, older = made

    _sign_in(client, "rev1")
    assert client.get("/disputes", headers=HTML).status_code == 403
    client.post("/logout", data={"csrf": _csrf(client.get("/", headers=HTML).text)}, headers=HTML)
    _sign_in(client, "sup1")
    page = client.get("/disputes", headers=HTML).text
    assert rows(page) == [str(older), str(newer)]  # oldest first
    assert (
        "Giải trình, khiếu nại" in page and "Disputes" in client.get("/disputes?lang=en", headers=HTML).text
    )

    detail = client.get(f"/disputes/{older}?lang=vi", headers=HTML)
    assert detail.status_code == 200 and f"Giải trình của {older_owner.cccd}" in detail.text
    form = {
        "csrf": _csrf(detail.text),
        "outcome": "amended",
        "reason": "Giảm mức phạt",
        "amount_vnd": "1.000",
    }
    wrong = client.post(f"/disputes/{older}/decide", data=form, headers=HTML)
    assert wrong.status_code == 422 and 'id="error"' in wrong.text and "18.000.000" in wrong.text
    done = client.post(
        f"/disputes/{older}/decide",
        data={**form, "amount_vnd": "19.000.000"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/disputes?done=1"
    assert rows(client.get("/disputes", headers=HTML).text) == [str(newer)]
    db.rollback()
    db.expire_all()
    decided = db.get(Dispute, older)
    assert decided is not None and decided.status is DisputeStatus.amended
    assert (decided.notice.amount_vnd, decided.notice.status) == (19_000_000, NoticeStatus.delivered)
    no_csrf = client.post(
        f"/disputes/{newer}/decide", data={"outcome": "upheld", "reason": "abc"}, headers=HTML
    )
    assert no_csrf.status_code == 403
