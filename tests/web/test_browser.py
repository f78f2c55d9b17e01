"""The staff pages in real headless Chromium (Debian's), driven by Playwright, against `tvp serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from core.models import Role
from tests.support.factories import PASSWORD, make_staff

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("chromium not installed")


@pytest.fixture
def server(database_url: str, clean_db: str) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TVP_DATABASE_URL": database_url}
    tvp = str(Path(sys.executable).parent / "tvp")
    proc = subprocess.Popen(
        [tvp, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("tvp serve did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture
def page(server: str):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        pg = browser.new_page(base_url=server)
        yield pg
        browser.close()


def test_sign_in_see_dashboard_switch_language_and_sign_out(page, db: Session, tmp_path: Path) -> None:
    make_staff(db, Role.ops, username="khanh")
    db.commit()
    page.goto("/ops/jobs")
    assert page.url.endswith("/login?next=/ops/jobs")  # sent to sign in first
    page.fill("#username", "khanh")
    page.fill("#password", "wrong password")
    page.press("#password", "Enter")
    assert page.get_by_role("alert").inner_text() == "Sai tên đăng nhập hoặc mật khẩu"
    page.fill("#username", "khanh")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/ops/jobs")
    assert page.locator("h1").inner_text() == "Tác vụ nền"
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Background jobs"
    page.get_by_role("link", name="Dashboard").click()
    assert page.locator(".tile").count() == 4
    page.screenshot(path=os.environ.get("TVP_TEST_SCREENSHOT", str(tmp_path / "dashboard.png")))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url
