"""The working-day queue in real headless Chromium against `tvp serve`: a column header click sorts,
a count click filters, and a claimed item is released from "my claims"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Role
from core.time import utc_now
from penalties.review import service as review
from tests.support.factories import PASSWORD, make_candidate, make_staff
from tests.web.test_browser import page, server  # noqa: F401 - the fixtures: tvp serve and Chromium

pytestmark = pytest.mark.browser


def test_sort_by_click_filter_by_count_and_release_from_my_claims(page, db: Session) -> None:  # noqa: F811
    now = utc_now()
    with session_scope() as seeding:  # see test_browser: a write transaction from the start
        lan = make_staff(seeding, Role.reviewer, username="lan")
        plates = ["51G30003", "29A10001", "30A20002", "51G40004"]
        made = [
            make_candidate(
                seeding,
                plate=plate,
                camera_code="CAM-B" if i == 2 else "CAM-A",
                detected_at=now - timedelta(days=i + 1),
            )
            for i, plate in enumerate(plates)
        ]
        review.claim(seeding, made[3].id, actor=f"staff:{lan.id}")
        held = str(made[3].id)
    page.goto("/login?next=/review")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: url.endswith("/review"))

    page.click("#sort-plate")
    page.wait_for_url("**/review?sort=plate")
    shown = page.locator("#queue td.plate").all_inner_texts()
    assert [p.replace("-", "").replace(".", "") for p in shown] == sorted(plates)
    page.click("#sort-plate")  # again: the other way
    page.wait_for_url("**/review?sort=plate&dir=desc")
    assert [
        p.replace("-", "").replace(".", "") for p in page.locator("#queue td.plate").all_inner_texts()
    ] == sorted(plates, reverse=True)

    page.click('#counts-camera a.count[data-camera="CAM-B"]')
    page.wait_for_url(lambda url: "camera=CAM-B" in url and "sort=plate" in url)
    assert page.locator("#queue tbody tr").count() == 1
    assert page.locator("#queue td.camera").inner_text() == "CAM-B"

    page.goto("/review")
    page.click("#my-claims")
    page.wait_for_url("**/review?mine=true")
    assert page.locator("#queue tbody tr").get_attribute("data-id") == held
    page.click("button.release")
    page.wait_for_url("**/review?mine=true")
    assert page.locator("#queue tbody tr").count() == 0
    page.click("#all-items")
    page.wait_for_url(lambda url: url.endswith("/review"))
    assert page.locator("#queue tbody tr").count() == 4
    assert page.locator("button.release").count() == 0
