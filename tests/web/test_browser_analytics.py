"""The analytics dashboard in real headless Chromium against `tvp serve`: a supervisor opens it, changes
the date filter, and the charts' SVG shows the other range."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from analytics.refresh import refresh_day
from core.db import session_scope
from core.models import Role
from tests.support.analytics import DAY, NEXT, seed_history
from tests.support.factories import PASSWORD, make_staff
from tests.web.test_browser import page, server  # noqa: F401 - the fixtures: tvp serve and Chromium

pytestmark = pytest.mark.browser


def _bars(page, chart: str) -> dict[str, str]:  # noqa: F811
    bars = page.locator(f"#{chart} rect.bar")
    return {
        bars.nth(i).get_attribute("data-label"): bars.nth(i).get_attribute("data-value")
        for i in range(bars.count())
    }


def test_change_the_date_filter_and_the_charts_follow(page, db: Session) -> None:  # noqa: F811
    with session_scope() as seeding:  # see test_browser: a write transaction from the start
        make_staff(seeding, Role.supervisor, username="thu")
        seed_history(seeding)
        refresh_day(seeding, DAY)
        refresh_day(seeding, NEXT)
    page.goto(f"/login?next=/analytics%3Ffrom%3D{DAY}%26to%3D{NEXT}")
    page.fill("#username", "thu")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"**/analytics?from={DAY}&to={NEXT}")
    assert _bars(page, "chart-type") == {"RED_LIGHT": "2", "SPEEDING": "2"}
    assert page.locator("#chart-type > title").text_content() == "Vi phạm theo hành vi"
    assert _bars(page, "chart-hour")["00"] == "1"  # the 00:10 red light on the next day

    page.fill("#from", str(NEXT))
    page.click("#apply")
    page.wait_for_url(lambda url: f"from={NEXT}&to={NEXT}&" in url)
    assert _bars(page, "chart-type") == {"RED_LIGHT": "1", "SPEEDING": "0"}  # SPEEDING: reviews only
    assert _bars(page, "chart-hour")["23"] == "0" and _bars(page, "chart-hour")["00"] == "1"
    assert page.locator("#chart-trend circle.dot").count() == 3  # one day, three series

    page.fill("#from", "2026-01-01")
    page.fill("#to", "2026-01-02")
    page.click("#apply")
    page.wait_for_url(lambda url: "from=2026-01-01&to=2026-01-02&" in url)
    assert page.locator("#empty").is_visible() and page.locator("svg.chart").count() == 0
