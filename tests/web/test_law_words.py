"""The law's words where staff and citizens read: the review queue, the review page, the staff notice,
the decision pages and the citizen API show a violation's name, article, fine range and points from the
table in force on its Vietnamese date. The expected words are read here from the decree CSVs with the
csv module (file chosen by the decrees' own dates), never through penalties.law."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session

from core.models import Role
from core.plugins import load_tasks
from detection.vehicles import VehicleClass
from penalties.law.words import describe
from penalties.notices.models import Notice, NoticeStatus
from penalties.review.service import Decision, claim, confirm
from registry.models import Citizen
from tests.support.factories import citizen_token, make_candidate, make_citizen, make_staff, make_vehicle
from tests.web.test_pages import HTML, _csrf, _sign_in

LAW = Path(__file__).resolve().parents[2] / "penalties" / "law"
# Vietnam is UTC+7: 16:30Z on 31/12/2024 is 23:30 that day (ND 100/2019), 17:30Z is 00:30 on 01/01/2025
# (ND 168/2024, in force from that day, Art. 53).
OLD = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)
NEW = datetime(2024, 12, 31, 17, 30, tzinfo=UTC)


def row(code: str, vehicle_class: str, at: datetime) -> dict[str, str]:
    """The decree's row for code and class on the Vietnamese day of ``at``, read from the CSV."""
    day = (at + timedelta(hours=7)).date()
    assert day >= date(2022, 1, 1)
    name = "decree_168_2024.csv" if day >= date(2025, 1, 1) else "decree_100_2019.csv"
    with open(LAW / name, newline="", encoding="utf-8") as fh:
        found = [
            r
            for r in csv.DictReader(fh)
            if r["violation_code"] == code and r["vehicle_class"] == vehicle_class and r["fine_min_vnd"]
        ]
    assert len(found) == 1, (name, code, vehicle_class)
    return found[0]


def money(amount: str) -> str:
    return f"{int(amount):,}".replace(",", ".") + " ₫"


def shown(r: dict[str, str], lang: str = "vi") -> list[str]:
    """What a page must show for the row: name, article and the fine range (escaped as in HTML)."""
    name = r["description_en"] if lang == "en" else r["description_vi"]
    fine = f"{money(r['fine_min_vnd'])} – {money(r['fine_max_vnd'])}"
    return [str(escape(name)), str(escape(r["legal_reference"])), fine]


def assert_shows(page: str, r: dict[str, str], lang: str = "vi") -> None:
    for text in shown(r, lang):
        assert text in page, text


def issued_notice(db: Session, owner: Citizen, *, plate: str, code: str, at: datetime) -> Notice:
    """A car's notice for a violation at ``at``, confirmed as of the hour after (within the limitation),
    then delivered."""
    load_tasks()
    make_vehicle(db, owner, plate=plate, display=plate, vehicle_type=VehicleClass.car)
    reviewer = make_staff(db, Role.reviewer)
    candidate = make_candidate(db, plate=plate, code=code, detected_at=at, vehicle_class="car")
    db.commit()
    actor = f"staff:{reviewer.id}"
    then = at + timedelta(hours=1)
    claim(db, candidate.id, actor=actor)
    notice = confirm(db, candidate.id, Decision(), actor=actor, now=then).notice
    assert notice is not None
    notice.status = NoticeStatus.delivered
    db.commit()
    return notice


def test_describe_never_raises_for_what_the_tables_do_not_know() -> None:
    assert describe("WRONG_LANE", "car", OLD).unknown and describe("WRONG_LANE", "car", NEW).known
    no_class = describe("RED_LIGHT", "tractor", NEW)
    assert not no_class.known and no_class.name_vi == "RED_LIGHT" and no_class.fine_range() == "—"
    before_tables = describe("RED_LIGHT", "car", datetime(2021, 6, 1, tzinfo=UTC))
    assert before_tables.law is None and before_tables.note("en") == "not in the law of 01/06/2021"
    assert describe("RED_LIGHT", None, NEW).fine_min_vnd == int(row("RED_LIGHT", "car", NEW)["fine_min_vnd"])


def test_queue_and_review_page_use_the_table_of_the_violation_date(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="lawq1")
    old = make_candidate(db, plate="51G10001", code="RED_LIGHT", detected_at=OLD, vehicle_class="motorbike")
    new = make_candidate(db, plate="51G10002", code="RED_LIGHT", detected_at=NEW, vehicle_class="motorbike")
    lane = make_candidate(db, plate="51G10003", code="WRONG_LANE", detected_at=OLD, vehicle_class="car")
    db.commit()
    _sign_in(client, "lawq1")
    r_old, r_new = row("RED_LIGHT", "motorbike", OLD), row("RED_LIGHT", "motorbike", NEW)
    assert r_old["legal_reference"] != r_new["legal_reference"]

    queue = client.get("/review", headers=HTML).text
    assert_shows(queue, r_old)
    assert_shows(queue, r_new)
    assert f"{r_new['points_deducted']} điểm" in queue
    # WRONG_LANE came with ND 168/2024: on 31/12/2024 the table of the day does not name it.
    assert "không có trong văn bản pháp luật áp dụng ngày 31/12/2024" in queue
    english = client.get("/review?lang=en", headers=HTML).text
    assert_shows(english, r_old, "en")
    assert 'WRONG_LANE</code> <span class="law-unknown error">(not in the law of 31/12/2024)' in english

    page = client.get(f"/review/{old.id}?lang=vi", headers=HTML).text
    assert_shows(page, r_old)
    assert str(escape(r_new["legal_reference"])) not in page
    page = client.get(f"/review/{new.id}?lang=en", headers=HTML).text
    assert_shows(page, r_new, "en")
    assert "not in the law of 31/12/2024" in client.get(f"/review/{lane.id}?lang=en", headers=HTML).text


def test_notice_and_decision_pages_name_the_law_of_the_date(client: TestClient, db: Session) -> None:
    make_staff(db, Role.supervisor, username="lawd1")
    owner = make_citizen(db, serial=9701, name="Phạm Thị Dung")
    old = issued_notice(db, owner, plate="51G20001", code="SPEED_10_20", at=OLD)
    new = issued_notice(db, owner, plate="51G20002", code="SPEED_10_20", at=NEW)
    r_old, r_new = row("SPEED_10_20", "car", OLD), row("SPEED_10_20", "car", NEW)
    _sign_in(client, "lawd1")

    notice = client.get(f"/notices/{old.id}?lang=vi", headers=HTML).text
    assert_shows(notice, r_old)
    assert str(escape(r_new["legal_reference"])) not in notice
    assert_shows(client.get(f"/notices/{new.id}?lang=en", headers=HTML).text, r_new, "en")

    pending = client.get("/decisions/pending?lang=vi", headers=HTML).text
    assert_shows(pending, r_old)
    assert_shows(pending, r_new)

    page = client.get("/decisions/pending", headers=HTML).text
    resp = client.post(
        "/decisions",
        data={"csrf": _csrf(page), "notice_id": [str(old.id), str(new.id)]},
        headers=HTML,
        follow_redirects=True,
    )
    assert resp.status_code == 200, resp.text
    assert_shows(resp.text, r_old)
    assert_shows(resp.text, r_new)


@pytest.mark.parametrize(("at", "plate"), [(OLD, "51G30001"), (NEW, "51G30002")])
def test_citizen_api_violation_words(client: TestClient, db: Session, at: datetime, plate: str) -> None:
    owner = make_citizen(db, serial=9801 if at == OLD else 9802)
    notice = issued_notice(db, owner, plate=plate, code="RED_LIGHT", at=at)
    r = row("RED_LIGHT", "car", at)
    token = citizen_token(client, owner.cccd)
    got = client.get(f"/api/citizen/v1/notices/{notice.id}", headers={"authorization": f"Bearer {token}"})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["violation_code"] == "RED_LIGHT"  # the code stays
    v = body["violation"]
    expected = (r["description_vi"], r["description_en"], r["legal_reference"])
    assert (v["vi"], v["en"], v["article"]) == expected
    assert (v["fine_min_vnd"], v["fine_max_vnd"], v["points"]) == (
        int(r["fine_min_vnd"]),
        int(r["fine_max_vnd"]),
        int(r["points_deducted"] or 0),
    )
    assert v["unknown"] is None and v["law"].startswith("ND 168/2024" if at == NEW else "ND 100/2019")
    listed = client.get("/api/citizen/v1/notices", headers={"authorization": f"Bearer {token}"}).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [i["violation"]["article"] for i in items] == [r["legal_reference"]]


def test_citizen_list_names_each_notice_by_the_law_of_its_own_day(client: TestClient, db: Session) -> None:
    """One citizen, the same violation an hour apart across the law change (23:30 and 00:30 in Vietnam):
    the list names each by its own day's decree (the list keeps a violation's words by code, class and
    day; a key without the day, or with the UTC day, would give both the same words)."""
    owner = make_citizen(db, serial=9803)
    issued_notice(db, owner, plate="51G30003", code="RED_LIGHT", at=OLD)
    issued_notice(db, owner, plate="51G30004", code="RED_LIGHT", at=NEW)
    token = citizen_token(client, owner.cccd)
    for _ in range(2):  # the second list reads the kept words
        listed = client.get("/api/citizen/v1/notices", headers={"authorization": f"Bearer {token}"})
        assert listed.status_code == 200, listed.text
        by_plate = {i["plate"]: i["violation"] for i in listed.json()["items"]}
        for plate, at in (("51G30003", OLD), ("51G30004", NEW)):
            r = row("RED_LIGHT", "car", at)
            words = by_plate[plate]
            assert (words["article"], words["fine_min_vnd"]) == (r["legal_reference"], int(r["fine_min_vnd"]))
            assert words["law"].startswith("ND 168/2024" if at == NEW else "ND 100/2019")
