"""Live updates beyond notices in real headless Chromium against `tvp serve`: the driver's open
nominations page shows a nomination naming them by itself, with the "new update" toast."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.db import session_scope
from core.plugins import load_tasks
from core.time import utc_now
from penalties.notices.models import Notice
from penalties.notices.notify import NOTIFY_TASK
from penalties.responses.nominations import nominate
from tests.support.citizen_notices import citizen_with_notice
from tests.support.delivery import run_due_jobs
from tests.support.factories import make_citizen
from tests.web.test_browser_citizen import page, server  # noqa: F401 (fixtures)


def test_a_nomination_reaches_the_drivers_open_page(page, server: str, db: Session) -> None:  # noqa: F811
    load_tasks()
    with session_scope() as seeding:
        a, notice = citizen_with_notice(seeding, serial=5601, plate="51G12348", display="51G-123.48")
        b = make_citizen(seeding, serial=5602, name="Phạm Thị Dung")
        a_cccd, b_cccd, notice_id = a.cccd, b.cccd, notice.id

    page.goto("/citizen")
    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/idp/authorize?**")
    page.fill("#cccd", b_cccd)
    page.fill("#passcode", "123456")
    page.get_by_role("button", name="Đăng nhập / Sign in").click()
    page.wait_for_url("**/citizen/notices")
    page.goto("/citizen/nominations")
    page.locator("#nominations[aria-busy=false]").wait_for()
    assert page.locator("#nominations li[data-nomination-id]").count() == 0
    assert page.locator("#toast").is_hidden()

    with session_scope() as naming:
        stored = naming.get(Notice, notice_id)
        assert stored is not None
        nomination_id = nominate(naming, stored, owner_cccd=a_cccd, driver_cccd=b_cccd, now=utc_now()).id
    run_due_jobs(only={NOTIFY_TASK})

    page.locator("#toast", has_text="Có cập nhật mới").wait_for(state="visible")
    item = page.locator(f'#nominations li[data-nomination-id="{nomination_id}"]')
    item.wait_for()
    assert "51G-123.48" in item.inner_text()
    assert page.locator("#live").is_visible()
