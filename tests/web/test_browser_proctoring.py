"""The proctor's review queue in real headless Chromium against `tvp serve`: an exam officer signs in,
opens the exam's queue from the navigation, sees the flagged frame load and dismisses the flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Role
from core.time import utc_now
from exams.proctoring.models import FlagKind, FlagStatus, ProctorFlag
from tests.support.factories import PASSWORD, make_staff
from tests.support.proctoring import candidate, online_exam, raise_flag
from tests.support.screenshots import shoot
from tests.web.test_browser import page, server  # noqa: F401 - the fixtures: tvp serve and Chromium

pytestmark = pytest.mark.browser


def test_an_officer_sees_the_frame_and_dismisses_a_flag(page, db: Session) -> None:  # noqa: F811 - the fixture
    # Seeded in its own write transaction (see test_browser: the server's job relay holds SQLite's lock).
    with session_scope() as seeding:
        make_staff(seeding, Role.exam_officer, username="thu")
        exam = online_exam(seeding, "ON-BROWSER")
        an = candidate(seeding, exam, "079090000001", "Nguyễn Văn An")
        binh = candidate(seeding, exam, "079090000002", "Trần Thị Bình")
        older = raise_flag(seeding, an, FlagKind.no_face, at=utc_now() - timedelta(minutes=5))
        newer = raise_flag(seeding, binh, FlagKind.different_face, seed=1)
        exam_id, older_id, newer_id = exam.id, older.id, newer.id

    page.goto("/login?next=/")
    page.fill("#username", "thu")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: not url.endswith("/login?next=/") and "login" not in url)
    page.get_by_role("link", name="Giám sát thi trực tuyến").click()
    page.get_by_role("link", name="ON-BROWSER").click()
    page.wait_for_url(f"**/proctoring/{exam_id}")
    cards = page.locator("section.flag")
    assert cards.count() == 2
    assert cards.first.get_attribute("data-id") == str(newer_id)  # newest first
    shoot(page, "proctoring")
    card = page.locator(f"#flag-{older_id}")
    assert "Nguyễn Văn An" in card.locator(".candidate").inner_text()
    assert card.locator(".kind").inner_text().startswith("Không thấy khuôn mặt")
    frame = card.locator("img")
    frame.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=frame.element_handle())
    assert frame.evaluate("img => img.naturalWidth") == 160  # the stored JPEG, decoded by the browser

    card.locator("textarea[name=reason]").fill("Thí sinh cúi xuống nhặt bút, đã xem lại")
    card.get_by_role("button", name="Bỏ qua: không có vi phạm").click()
    page.wait_for_url(f"**/proctoring/{exam_id}?show=open&done={older_id}")
    assert page.locator("#done").is_visible()
    assert [c.get_attribute("data-id") for c in page.locator("section.flag").all()] == [str(newer_id)]

    db.rollback()
    dismissed = db.get(ProctorFlag, older_id)
    assert dismissed is not None and dismissed.status is FlagStatus.dismissed
    assert dismissed.resolution_reason == "Thí sinh cúi xuống nhặt bút, đã xem lại"
