"""The review queue for a working day over HTTP: every sort column both ways (nulls last, oldest first
among equals, filters and pages kept), counts per violation and camera, my claims and release, age
bands at their Vietnam-day boundaries, and the reviewer's own figures."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.db import get_engine
from core.models import AuditEntry, Role
from core.time import VN_TZ, to_local, utc_now, vn_today
from penalties.candidates.models import CandidateStatus, RejectReason, ViolationCandidate
from penalties.review import service as review
from tests.support.factories import make_candidate, make_staff
from tests.web.test_pages import HTML, _csrf, _sign_in

SORT_VALUES = {
    "detected": lambda c: c.detected_at,
    "camera": lambda c: c.camera.code,
    "violation": lambda c: c.violation_code,
    "plate": lambda c: c.plate,
    "confidence": lambda c: c.plate_confidence,
    "status": lambda c: c.status.value,
}


def ids_on(html: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)"', html)


def _seed_five(db: Session) -> list[ViolationCandidate]:
    now = utc_now()
    specs: list[tuple[str, str, str | None, float | None, int]] = [
        ("CAM-B", "RED_LIGHT", "51G11111", 0.9, 6),
        ("CAM-A", "SPEED_10_20", "30A22222", 0.5, 5),
        ("CAM-B", "SPEED_10_20", None, None, 4),
        ("CAM-C", "RED_LIGHT", "29A33333", 0.7, 3),
        ("CAM-A", "RED_LIGHT", "29A44444", 0.7, 2),
    ]
    made = []
    for camera, code, plate, conf, days in specs:
        c = make_candidate(
            db, plate=plate, code=code, camera_code=camera, detected_at=now - timedelta(days=days)
        )
        c.plate_confidence = conf
        made.append(c)
    made[2].status = CandidateStatus.escalated  # a supervisor's queue shows it
    db.commit()
    return made


def expected_order(cands: list[ViolationCandidate], sort: str, descending: bool) -> list[str]:
    by_age = sorted(cands, key=lambda c: c.detected_at)
    valued = [c for c in by_age if SORT_VALUES[sort](c) is not None]
    valued.sort(key=SORT_VALUES[sort], reverse=descending)  # stable: equal values stay oldest first
    return [str(c.id) for c in valued + [c for c in by_age if SORT_VALUES[sort](c) is None]]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", sorted(SORT_VALUES))
def test_each_column_sorts_both_ways(client: TestClient, db: Session, sort: str, descending: bool) -> None:
    make_staff(db, Role.supervisor, username="sorter")
    cands = _seed_five(db)
    _sign_in(client, "sorter")
    page = client.get(f"/review?sort={sort}&dir={'desc' if descending else 'asc'}", headers=HTML)
    assert page.status_code == 200
    assert ids_on(page.text) == expected_order(cands, sort, descending)
    assert len(set(ids_on(page.text))) == 5
    # The column's header link flips the direction and keeps a filter already set.
    filtered = client.get(f"/review?camera=CAM-A&sort={sort}", headers=HTML).text
    link = re.search(rf'id="sort-{sort}" href="([^"]+)"', filtered)
    assert link and "camera=CAM-A" in link.group(1) and "dir=desc" in link.group(1)


def test_sort_keeps_filters_across_pages_and_refuses_unknown_columns(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="pager")
    now = utc_now()
    for i in range(27):
        make_candidate(
            db, plate=f"51G{10000 + i}", camera_code="CAM-A", detected_at=now - timedelta(hours=i + 1)
        )
    make_candidate(db, plate="51G99999", camera_code="CAM-B", detected_at=now - timedelta(hours=30))
    db.commit()
    _sign_in(client, "pager")
    first = client.get("/review?camera=CAM-A&sort=plate&dir=desc", headers=HTML).text
    assert len(ids_on(first)) == 25
    next_link = re.search(r'<a href="([^"]+)">Sau</a>', first)
    assert next_link, "no next-page link"
    href = next_link.group(1).replace("&amp;", "&")
    assert all(part in href for part in ("camera=CAM-A", "sort=plate", "dir=desc", "page=2"))
    second = client.get(href, headers=HTML).text
    plates = re.findall(r'<td class="plate">([^<]+)</td>', first + second)
    assert len(plates) == 27 and plates == sorted(plates, reverse=True)
    for bad in ("sort=owner", "sort=plate;drop", "dir=up"):
        refused = client.get(f"/review?{bad}")
        assert refused.status_code == 422 and refused.json()["error"] == "ValidationError"
        assert bad.split("=")[0] in str(refused.json()["detail"])


def _counts(html: str, kind: str) -> dict[str, int]:
    block = re.search(rf'<p id="counts-{kind}">(.*?)</p>', html, re.S)
    assert block
    return {
        k: int(n)
        for k, n in re.findall(r'data-\w+="([^"]+)" href="[^"]+">.*?<b>(\d+)</b>', block.group(1), re.S)
    }


def test_counts_per_violation_and_camera_filter_when_clicked(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="counter")
    _seed_five(db)  # the escalated one is not a reviewer's
    _sign_in(client, "counter")
    page = client.get("/review", headers=HTML).text
    assert _counts(page, "violation") == {"RED_LIGHT": 3, "SPEED_10_20": 1}
    assert _counts(page, "camera") == {"CAM-A": 2, "CAM-B": 1, "CAM-C": 1}
    assert "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông" in page  # the law's words on the count
    # Under a camera filter the violation counts narrow; the camera counts still list every camera.
    on_a = client.get("/review?camera=CAM-A", headers=HTML).text
    assert _counts(on_a, "violation") == {"RED_LIGHT": 1, "SPEED_10_20": 1}
    assert _counts(on_a, "camera") == {"CAM-A": 2, "CAM-B": 1, "CAM-C": 1}
    link = re.search(r'data-code="RED_LIGHT" href="([^"]+)"', on_a)
    assert link
    clicked = client.get(link.group(1).replace("&amp;", "&"), headers=HTML).text
    assert len(ids_on(clicked)) == 1  # RED_LIGHT on CAM-A


def _code_choices(page: str) -> list[str]:
    select_ = re.search(r'<select name="code".*?</select>', page, re.S)
    assert select_, "the violation filter is on the page"
    return re.findall(r"<option[^>]*>([A-Z_0-9]+)</option>", select_.group(0))


def test_violation_filter_offers_the_codes_this_reviewer_may_take(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="chooser")
    made = _seed_five(db)  # the only SPEED_10_20 left to a reviewer is made[1]; made[2] is escalated
    done = make_candidate(db, code="NO_HELMET", detected_at=utc_now() - timedelta(days=1))
    done.status = CandidateStatus.rejected  # reviewed: nothing of its code to take
    db.commit()
    _sign_in(client, "chooser")
    assert _code_choices(client.get("/review", headers=HTML).text) == ["RED_LIGHT", "SPEED_10_20"]
    # The filter in use stays on offer (and selected) even with nothing of its code left to take.
    made[1].status = CandidateStatus.rejected
    db.commit()
    page = client.get("/review?code=SPEED_10_20", headers=HTML).text
    assert _code_choices(page) == ["RED_LIGHT", "SPEED_10_20"]
    assert re.search(r"<option selected>SPEED_10_20</option>", page)
    assert ids_on(page) == []
    assert _code_choices(client.get("/review", headers=HTML).text) == ["RED_LIGHT"]


def test_my_claims_and_release_from_the_queue(client: TestClient, db: Session) -> None:
    me = make_staff(db, Role.reviewer, username="holder")
    other = make_staff(db, Role.reviewer, username="other")
    mine, theirs, expired, free = _seed_five(db)[:2] + _seed_five(db)[3:5]
    review.claim(db, mine.id, actor=f"staff:{me.id}")
    review.claim(db, theirs.id, actor=f"staff:{other.id}")
    review.claim(db, expired.id, actor=f"staff:{me.id}")
    expired.claim_expires_at = utc_now() - timedelta(minutes=1)
    db.commit()
    _sign_in(client, "holder")
    page = client.get("/review?mine=true&sort=plate", headers=HTML).text
    assert ids_on(page) == [str(mine.id)]
    assert page.count('class="release"') == 1
    assert 'name="back" value="/review?mine=true&amp;sort=plate"' in page
    refused = client.post(f"/review/{mine.id}/release", data={"back": "/review?mine=true"}, headers=HTML)
    assert refused.status_code == 403  # no CSRF token
    not_mine = client.post(f"/review/{theirs.id}/release", data={"csrf": _csrf(page)}, headers=HTML)
    assert not_mine.status_code == 409
    gone = client.post(
        f"/review/{mine.id}/release",
        data={"csrf": _csrf(page), "back": "/review?mine=true&sort=plate"},
        headers=HTML,
        follow_redirects=False,
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/review?mine=true&sort=plate"
    assert ids_on(client.get("/review?mine=true", headers=HTML).text) == []
    db.expire_all()
    assert db.get(ViolationCandidate, mine.id).claimed_by is None  # type: ignore[union-attr]
    assert db.get(ViolationCandidate, theirs.id).claimed_by == f"staff:{other.id}"  # type: ignore[union-attr]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "candidate.release")).one()
    assert (entry.actor, entry.object_id) == (f"staff:{me.id}", str(mine.id))
    offsite = client.post(
        f"/review/{free.id}/claim", data={"csrf": _csrf(page)}, headers=HTML, follow_redirects=False
    )
    assert offsite.status_code == 303
    away = client.post(
        f"/review/{free.id}/release",
        data={"csrf": _csrf(page), "back": "https://evil.example/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert away.headers["location"] == "/review?mine=true"


def _vn_day_edge(days_ago: int, *, end: bool) -> datetime:
    """The first or last second of the Vietnamese day ``days_ago`` days before now."""
    local = to_local(utc_now() - timedelta(days=days_ago))
    if end:
        return local.replace(hour=23, minute=59, second=59, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def test_age_bands_at_their_vietnam_day_boundaries(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="ager")
    cases = [  # (days ago, edge of that VN day, expected age, band)
        (4, "start", 4, "green"),  # more than 4×24 h ago, still day 4
        (5, "end", 5, "amber"),  # less than 5×24 h ago, already day 5
        (7, "start", 7, "amber"),
        (8, "end", 8, "red"),
        (12, "start", 12, "red"),
    ]
    made = {}
    for n, (days_ago, edge, age, band) in enumerate(cases):
        at = _vn_day_edge(days_ago, end=edge == "end")
        made[str(make_candidate(db, plate=f"51G{20000 + n}", detected_at=at).id)] = (age, band)
    db.commit()
    _sign_in(client, "ager")
    page = client.get("/review", headers=HTML).text
    shown = {
        cid: (int(days), band)
        for cid, band, days in re.findall(
            r'<tr data-id="([^"]+)"[^>]*>\s*<td class="age age-\w+" data-band="(\w+)" data-days="(\d+)"', page
        )
    }
    assert shown == made
    assert "Thời hạn gửi thông báo 10 ngày" in page and "còn 2 ngày" in page
    english = client.get("/review?lang=en", headers=HTML).text
    assert "8 days or more (≤ 2 days left)" in english and "2 days left" in english


def _figures(html: str) -> tuple[str, str]:
    decisions = re.search(r'id="decisions-today">([^<]*)<', html)
    median = re.search(r'id="median-seconds">([^<]*)<', html)
    assert decisions and median
    return decisions.group(1), median.group(1)


def _decide_at(db: Session, candidate: Any, actor: str, claimed: datetime, seconds: int) -> None:
    with time_machine.travel(claimed.timestamp(), tick=False):
        review.claim(db, candidate.id, actor=actor)
    with time_machine.travel(claimed.timestamp() + seconds, tick=False):
        review.reject(db, candidate.id, RejectReason.duplicate, actor=actor)
    db.flush()


def test_reviewer_figures_decisions_today_and_median_seconds(client: TestClient, db: Session) -> None:
    me = make_staff(db, Role.reviewer, username="figures")
    other = make_staff(db, Role.reviewer, username="idle")
    actor = f"staff:{me.id}"
    now = utc_now()
    day_start = datetime.combine(vn_today(), datetime.min.time(), VN_TZ)
    t0 = max(day_start + timedelta(seconds=1), now - timedelta(minutes=15))
    cands = [
        make_candidate(db, plate=f"51G3000{i}", detected_at=now - timedelta(days=2, hours=i))
        for i in range(6)
    ]
    db.commit()
    _sign_in(client, "figures")
    assert _figures(client.get("/review", headers=HTML).text) == ("0", "—")
    _decide_at(db, cands[0], actor, t0, 30)
    _decide_at(db, cands[1], actor, t0 + timedelta(seconds=40), 90)
    _decide_at(db, cands[2], actor, t0 + timedelta(seconds=140), 600)
    _decide_at(db, cands[3], f"staff:{other.id}", t0, 5)  # someone else's
    yesterday = day_start - timedelta(hours=2)
    _decide_at(db, cands[4], actor, yesterday, 7)  # not today
    cands[5].status, cands[5].reviewed_by = CandidateStatus.rejected, actor  # no claim on record
    cands[5].reviewed_at = max(day_start, now - timedelta(minutes=1))
    db.commit()
    assert _figures(client.get("/review", headers=HTML).text) == ("4", "90")  # median of 30, 90, 600
    _sign_in(client, "idle")
    assert _figures(client.get("/review", headers=HTML).text) == ("1", "5")


def test_the_page_reads_its_rows_cameras_with_the_rows(client: TestClient, db: Session) -> None:
    # The template shows each row's camera: loaded one query per row it cost 75 % of the page at 5,000
    # waiting candidates (bench/load.py). The page's statements do not grow with its rows.
    make_staff(db, Role.reviewer, username="eager")
    make_candidate(db, camera_code="CAM-00")
    db.commit()
    _sign_in(client, "eager")
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    def statements_of_the_page() -> int:
        sent.clear()
        event.listen(get_engine(), "before_cursor_execute", note)
        try:
            page = client.get("/review", headers=HTML)
        finally:
            event.remove(get_engine(), "before_cursor_execute", note)
        assert page.status_code == 200
        return sum(s.lstrip().upper().startswith("SELECT") for s in sent)

    one_row = statements_of_the_page()
    for i in range(1, 12):
        make_candidate(db, camera_code=f"CAM-{i:02d}")
    db.commit()
    twelve_rows = statements_of_the_page()
    assert len(ids_on(client.get("/review", headers=HTML).text)) == 12
    assert twelve_rows == one_row
