"""In headless Chromium: a citizen signs in to the reference app, pays a decision on the VNPay sandbox's
page, comes back to the receipt, and the notice list shows the notice paid. `tvp serve` runs as a
process (its worker settles the payment); the sandbox on a uvicorn thread."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.db import session_scope
from payments.vnpay_sandbox import create_sandbox_app
from tests.support.delivery import serve
from tests.support.payments import (
    SECRET,
    TMN,
    a_decision,
    citizen_client,
    start_payment,
    tvp_serve_paying_through,
)

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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
    with session_scope() as seeding:  # BEGIN IMMEDIATE: the server's relay holds SQLite's lock often
        decision = a_decision(seeding, 9301)
        cccd, decision_id, notice_id = decision.cccd, decision.id, decision.items[0].notice_id

    page.goto("/citizen")
    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/idp/authorize?**")
    page.fill("#cccd", cccd)
    page.fill("#passcode", "123456")
    page.get_by_role("button", name="Đăng nhập / Sign in").click()
    page.wait_for_url("**/citizen/notices")
    item = page.locator(f'#notices a[data-notice-id="{notice_id}"]')
    assert "Đã nộp phạt" not in item.inner_text()

    with citizen_client(tvp, cccd) as app:  # the app's pay button: POST …/payments → redirect_url
        created = start_payment(app, decision_id)
    page.goto(created["redirect_url"])
    assert (
        page.locator("#amount")
        .inner_text()
        .replace(",", ".")
        .startswith(f"{created['amount_vnd']:,}".replace(",", "."))
    )
    page.locator("#pay").click()
    page.wait_for_url(f"{tvp}/payments/vnpay/return?**")
    assert "Thanh toán thành công" in page.locator("h1").inner_text()
    for _ in range(100):  # the server's worker settles it: the receipt number appears
        if page.locator("#receipt").count():
            break
        time.sleep(0.1)
        page.reload()
    assert page.locator("#receipt strong").inner_text().startswith("BL-")
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)

    page.goto("/citizen/notices")
    paid = page.locator(f'#notices a[data-notice-id="{notice_id}"]')
    paid.wait_for()
    assert "Đã nộp phạt" in paid.inner_text()
