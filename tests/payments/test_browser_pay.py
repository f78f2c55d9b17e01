"""In headless Chromium: a citizen signs in to the reference app, presses Pay on the decision, pays on
the VNPay sandbox's page, comes back to the app (Paid, with the receipt), and the notice list shows it
paid. `tvp serve` runs as a process (its worker settles the payment); the sandbox on a uvicorn thread."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from core.db import IMMEDIATE, get_engine
from payments.vnpay_sandbox import create_sandbox_app
from tests.support.delivery import serve
from tests.support.payments import (
    SECRET,
    TMN,
    a_decision,
    citizen_client,
    tvp_serve_paying_through,
)

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


@pytest.fixture
def servers(database_url: str, clean_db: str, evidence_dir: Path) -> Iterator[tuple[str, str]]:
    sandbox_app = create_sandbox_app(TMN, SECRET, "http://127.0.0.1:1/unset")
    with (
        serve(sandbox_app) as sandbox,
        tvp_serve_paying_through(database_url, sandbox, TVP_EVIDENCE_DIR=str(evidence_dir)) as tvp,
    ):
        httpx.post(f"{sandbox}/_config", json={"ipn_url": f"{tvp}/api/payments/vnpay/ipn"}).raise_for_status()
        yield tvp, sandbox


@pytest.fixture
def page(servers: tuple[str, str]):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        pg = browser.new_page(base_url=servers[0], viewport={"width": 390, "height": 844})
        yield pg
        browser.close()


def test_a_citizen_pays_a_decision_through_the_sandbox_and_sees_the_receipt(
    page, servers: tuple[str, str], tmp_path: Path
) -> None:
    tvp = servers[0]
    # The seeding commits several times while the server's in-process jobs write: every one of its
    # transactions takes SQLite's write lock up front (BEGIN IMMEDIATE, waiting its turn). A plain BEGIN
    # after a commit would read an old snapshot, then fail at once with "database is locked" at its write.
    with Session(get_engine().execution_options(**{IMMEDIATE: True}), expire_on_commit=False) as seeding:
        decision = a_decision(seeding, 9301)
        cccd, decision_id, notice_id = decision.cccd, decision.id, decision.items[0].notice_id
        amount_vnd = decision.amount_vnd

    page.goto("/citizen")
    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/idp/authorize?**")
    page.fill("#cccd", cccd)
    page.fill("#passcode", "123456")
    page.get_by_role("button", name="Đăng nhập / Sign in").click()
    page.wait_for_url("**/citizen/notices")
    item = page.locator(f'#notices a[data-notice-id="{notice_id}"]')
    assert "Đã nộp phạt" not in item.inner_text()

    page.goto(f"/citizen/decisions/{decision_id}")
    pay = page.get_by_role("button", name="Thanh toán")
    pay.wait_for()
    with citizen_client(tvp, cccd) as app:  # the amount the app shows is the API's amount due today
        due = app.get(f"/api/citizen/v1/decisions/{decision_id}/payments").json()
    assert due["paid"] is None and due["late_charge_vnd"] == 0 and due["amount_due_vnd"] == amount_vnd
    assert page.locator("#pay-amount").inner_text() == vnd(amount_vnd)
    pay.click()
    page.wait_for_url(f"{servers[1]}/paymentv2/vpcpay.html?**")
    shown = page.locator("#amount").inner_text().replace(",", ".")
    assert shown.startswith(f"{amount_vnd:,}".replace(",", "."))
    page.locator("#pay").click()
    page.wait_for_url(f"{tvp}/payments/vnpay/return?**")
    assert "Thanh toán thành công" in page.locator("h1").inner_text()

    page.get_by_role("link", name="Về ứng dụng / Back to the app").click()
    page.wait_for_url(f"**/citizen/decisions/{decision_id}")
    paid = page.locator("#paid")
    for _ in range(100):  # the server's worker issues the receipt: its number appears
        paid.wait_for()
        if page.locator("#receipt-number").inner_text().startswith("BL-"):
            break
        time.sleep(0.1)
        page.reload()
    assert "Đã thanh toán" in paid.inner_text() and page.locator("#pay-button").is_hidden()
    number = page.locator("#receipt-number").inner_text()
    assert number.startswith("BL-")
    assert page.locator("#d-status").inner_text() == "Đã nộp phạt"
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Xem biên lai (HTML)").click()
    receipt = opened.value
    receipt.wait_for_load_state()
    assert number in receipt.content()
    receipt.close()
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Tải biên lai (PDF)").click()
    assert opened.value.url.startswith("blob:")
    opened.value.close()
    page.screenshot(path=str(tmp_path / "paid.png"), full_page=True)

    page.goto("/citizen/notices")
    paid_notice = page.locator(f'#notices a[data-notice-id="{notice_id}"]')
    paid_notice.wait_for()
    assert "Đã nộp phạt" in paid_notice.inner_text()
