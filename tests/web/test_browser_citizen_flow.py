"""The citizen app end to end in real headless Chromium against one `tvp serve`: citizen A checks and
acknowledges notice N1, names citizen B as the driver of N2 (B accepts it), disputes N3 with a picture;
a supervisor cancels N3 from the dispute queue and issues the decision for N1; A sees N3 cancelled with
the reason, the decision with its amount and due date, and the licence points it took."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from core.db import session_scope
from core.models import Role
from core.time import vn_today
from penalties.decisions.document import PAYMENT_DAYS
from tests.support.citizen_app import citizen_app_server
from tests.support.citizen_flow import reviewed_notice
from tests.support.factories import PASSWORD, make_citizen, make_staff, make_vehicle
from tests.support.screenshots import shoot
from tests.web.test_law_words import row

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REASON = "Xe đã được chuyển nhượng trước ngày vi phạm"


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def server(database_url: str, clean_db: str, evidence_dir: Path) -> Iterator[str]:
    with citizen_app_server(database_url, TVP_EVIDENCE_DIR=str(evidence_dir)) as base:
        yield base


@pytest.fixture
def browser(server: str):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def phone(browser, server: str):
    """A page of its own (own sessionStorage and cookies), phone-sized."""
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    return context.new_page()


def citizen_signs_in(page, cccd: str) -> None:
    page.goto("/citizen")
    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/idp/authorize?**")
    page.fill("#cccd", cccd)
    page.fill("#passcode", "123456")
    page.get_by_role("button", name="Đăng nhập / Sign in").click()
    page.wait_for_url("**/citizen/notices")
    page.locator("#notices[aria-busy=false]").wait_for()


def test_acknowledge_name_the_driver_dispute_decision_and_points(browser, server: str) -> None:
    # Seed in a BEGIN IMMEDIATE transaction (the server's job relay holds SQLite's write lock often).
    with session_scope() as seeding:
        a = make_citizen(seeding, serial=7701, name="Nguyễn Văn An")
        b = make_citizen(seeding, serial=7702, name="Trần Thị Bình")
        make_vehicle(seeding, a, plate="51G12345", display="51G-123.45")
        n1, n2, n3 = (reviewed_notice(seeding, a, "51G12345", index=i) for i in range(3))
        make_staff(seeding, Role.supervisor, username="chief")
        a_cccd, b_cccd = a.cccd, b.cccd
        ids = {"n1": n1.id, "n2": n2.id, "n3": n3.id}
        number = {"n1": n1.number, "n2": n2.number, "n3": n3.number}
        n1_amount, n1_points = n1.amount_vnd, n1.points
        n1_law = row(n1.violation_code, "car", n1.candidate.detected_at)  # the decree CSV, read with csv
    assert n1_points > 0

    # A: N1 — integrity, then the acknowledgement (what is signed, then the signed result).
    pa = phone(browser, server)
    citizen_signs_in(pa, a_cccd)
    assert pa.locator("#notices > li").count() == 3
    pa.locator(f'#notices a[data-notice-id="{ids["n1"]}"]').click()
    pa.locator("#notice").wait_for()
    pa.get_by_role("button", name="Kiểm tra toàn vẹn").click()
    pa.locator("#verdict").wait_for()
    assert pa.locator("#verdict").inner_text() == "Chứng cứ toàn vẹn"
    assert pa.locator("#must-nominate").is_hidden()
    pa.get_by_role("button", name="Xác nhận vi phạm").click()
    assert pa.locator("#ack-number").inner_text() == number["n1"]
    assert pa.locator("#ack-amount").inner_text() == vnd(n1_amount)
    manifest = pa.locator("#manifest").inner_text()
    assert len(manifest) == 64 and pa.locator("#ack-manifest").inner_text() == manifest
    pa.get_by_role("button", name="Ký xác nhận").click()
    pa.locator("#ack-result").wait_for()
    assert pa.locator("#ack-valid").inner_text() == "Đã kiểm tra: hợp lệ"
    assert pa.locator("#ack-signed-at").inner_text().startswith(vn_today().strftime("%d/%m/%Y"))
    assert pa.locator("#status").inner_text() == "Đã xác nhận, chờ nộp phạt"
    assert pa.locator("#ack").is_hidden() and pa.locator("#dispute-form").is_hidden()

    # A: N2 — an unknown CCCD is refused in words, then B is named.
    pa.goto(f"/citizen/notices/{ids['n2']}")
    pa.locator("#nominate-form").wait_for()
    pa.fill("#driver-cccd", "079099999999")
    pa.locator("#nominate").click()
    alert = pa.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().startswith("Không tìm thấy công dân có số CCCD này.")
    pa.fill("#driver-cccd", b_cccd)
    pa.locator("#nominate").click()
    pa.locator("#awaiting-driver").wait_for()
    assert pa.locator("#status").inner_text() == "Đã khai báo người điều khiển"
    assert pa.locator("#nominate-form").is_hidden() and pa.locator("#ack").is_hidden()

    # B accepts the nomination: N2 is B's now.
    pb = phone(browser, server)
    citizen_signs_in(pb, b_cccd)
    assert pb.locator("#notices a").count() == 0
    pb.get_by_role("link", name="Đề nghị xác nhận").click()
    nomination = pb.locator(f'#nominations li[data-notice-id="{ids["n2"]}"]')
    nomination.wait_for()
    assert number["n2"] in nomination.inner_text() and "Nguyễn Văn An" in nomination.inner_text()
    nomination.get_by_role("button", name="Chấp nhận (tôi là người lái)").click()
    pb.get_by_role("status").filter(has_text="Đã chấp nhận").wait_for()
    assert pb.locator("#nominations li[data-notice-id]").count() == 0
    pb.get_by_role("link", name="Thông báo").click()
    mine = pb.locator(f'#notices a[data-notice-id="{ids["n2"]}"]')
    mine.wait_for()
    assert "Chờ bạn xử lý" in mine.inner_text()

    # A: N3 disputed with a text and a picture.
    pa.goto(f"/citizen/notices/{ids['n3']}")
    pa.locator("#dispute-form").wait_for()
    pa.fill("#dispute-text", "Tôi đã bán xe này trước ngày vi phạm, có hợp đồng kèm theo.")
    pa.set_input_files(
        "#dispute-files", files=[{"name": "hop-dong.png", "mimeType": "image/png", "buffer": png()}]
    )
    pa.locator("#dispute-send").click()
    item = pa.locator("#dispute-list li[data-status=open]")
    item.wait_for()
    assert "1 tệp đính kèm" in item.inner_text() and "Đang chờ giải quyết" in item.inner_text()
    # The notice's status is redrawn after the dispute list (its own fetch): wait for it, then check.
    pa.locator("#status").filter(has_text="Đang giải quyết khiếu nại").wait_for()
    assert pa.locator("#status").inner_text() == "Đang giải quyết khiếu nại"

    # A's list: N2 closed for A (transferred); the list stays open for the live update below.
    pa.get_by_role("link", name="Thông báo").click()
    pa.locator("#notices[aria-busy=false]").wait_for()
    assert "Đã chuyển cho người điều khiển" in pa.locator(f'a[data-notice-id="{ids["n2"]}"]').inner_text()

    # The supervisor cancels N3 from the dispute queue, then issues the decision for N1.
    ps = phone(browser, server)
    ps.goto("/login")
    ps.fill("#username", "chief")
    ps.fill("#password", PASSWORD)
    ps.press("#password", "Enter")
    ps.wait_for_url(lambda url: "/login" not in url)
    ps.goto("/disputes")
    ps.locator("#disputes tbody tr").filter(has_text=number["n3"]).locator("a").click()
    ps.locator("#decide").wait_for()
    assert "Tôi đã bán xe này" in ps.locator("#text").inner_text()
    ps.select_option("#decide select[name=outcome]", "cancelled")
    ps.fill("#decide textarea[name=reason]", REASON)
    ps.locator("#decide button[type=submit]").click()
    ps.wait_for_url("**/disputes?done=1")

    # A's open list learns it by itself (live update).
    pa.locator(f'a[data-notice-id="{ids["n3"]}"] .status', has_text="Đã hủy").wait_for()
    assert pa.locator("#live").is_visible()

    ps.goto(f"/decisions/pending?cccd={a_cccd}")
    ps.check(f'input[name=notice_id][value="{ids["n1"]}"]')
    ps.locator(f'section.person[data-cccd="{a_cccd}"] button[type=submit]').click()
    ps.wait_for_url("**/decisions/*?issued=1")

    # A: N3 cancelled with the reason; the decision; the points.
    pa.goto(f"/citizen/notices/{ids['n3']}")
    pa.locator("#dispute-list li[data-status=cancelled]").wait_for()
    assert pa.locator("#status").inner_text() == "Đã hủy"
    assert pa.locator("#dispute-list .reason").inner_text() == f"Lý do: {REASON}"
    assert pa.locator("#dispute-form").is_hidden()

    pa.get_by_role("link", name="Quyết định").click()
    decision = pa.locator("#decisions a[data-decision-id]")
    decision.wait_for()
    assert decision.count() == 1 and vnd(n1_amount) in decision.inner_text()
    decision.click()
    pa.locator("#decision").wait_for()
    assert pa.locator("#d-amount").inner_text() == vnd(n1_amount)
    # Opening it confirmed receipt: the 10 days to pay run from today (Vietnam).
    assert pa.locator("#d-due").inner_text() == (vn_today() + timedelta(days=PAYMENT_DAYS)).strftime(
        "%d/%m/%Y"
    )
    assert pa.locator("#d-points").inner_text() == f"GPLX ô tô (hạng B, C…): −{n1_points}"
    named = pa.locator(f'#d-violations li[data-notice-id="{ids["n1"]}"]').inner_text()
    assert n1_law["description_vi"] in named and n1_law["legal_reference"] in named and number["n1"] in named
    pa.locator("#pay-button").wait_for()  # the Pay button, with the amount due today (nothing late yet)
    assert pa.locator("#pay-button").is_enabled() and pa.locator("#paid").is_hidden()
    assert pa.locator("#pay-amount").inner_text() == vnd(n1_amount)
    decision_number = pa.locator("#d-number").inner_text()
    shoot(pa, "citizen-decision", full_page=True)

    pa.get_by_role("link", name="Điểm GPLX").click()
    car = pa.locator("section.licence[data-class=car]")
    car.wait_for()
    assert car.locator(".balance").inner_text() == f"{12 - n1_points}/12 điểm"
    deduction = car.locator("table.history tbody tr").filter(has_text=decision_number)
    assert deduction.count() == 1 and "Trừ điểm" in deduction.inner_text()
    assert f"-{n1_points}" in deduction.inner_text()
    assert pa.locator("section.licence[data-class=motorbike] .balance").inner_text() == "12/12 điểm"
