"""The reference citizen app in real headless Chromium against `tvp serve`: sign in through the VNeID
stand-in's page, see my notice, open it, verify its evidence; a notice arriving meanwhile shows up on its
own; another citizen's notice is not found."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from registry.models import Citizen
from tests.support.citizen_app import citizen_app_server
from tests.support.citizen_notices import citizen_with_notice, issued_notice
from tests.support.screenshots import shoot
from tests.web.test_law_words import NEW, money, row

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def server(database_url: str, clean_db: str, evidence_dir: Path) -> Iterator[str]:
    with citizen_app_server(database_url, TVP_EVIDENCE_DIR=str(evidence_dir)) as base:
        yield base


@pytest.fixture
def page(server: str):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        pg = browser.new_page(base_url=server, viewport={"width": 390, "height": 844})  # a phone
        yield pg
        browser.close()


def test_a_citizen_signs_in_opens_a_notice_and_verifies_its_evidence(page, server: str, db: Session) -> None:
    # Seed in a BEGIN IMMEDIATE transaction (the server's job relay holds SQLite's write lock often).
    with session_scope() as seeding:
        a, notice = citizen_with_notice(seeding, serial=5501, plate="51G12345", display="51G-123.45")
        _, other = citizen_with_notice(
            seeding, serial=5502, plate="30A99988", display="30A-999.88", name="Hoàng Văn Em", index=1
        )
        a_cccd, number, notice_id, other_id = a.cccd, notice.number, notice.id, other.id

    page.goto("/citizen")
    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/idp/authorize?**")
    page.fill("#cccd", a_cccd)
    page.fill("#passcode", "123456")
    page.get_by_role("button", name="Đăng nhập / Sign in").click()
    page.wait_for_url("**/citizen/notices")
    item = page.locator(f'#notices a[data-notice-id="{notice_id}"]')
    assert item.locator(".number").inner_text() == number
    assert "18.000.000 ₫" in item.inner_text()
    assert page.locator("#notices > li").count() == 1  # the other citizen's notice is not listed

    # A new notice reaches the open list by itself (live updates).
    with session_scope() as seeding:
        owner = seeding.scalars(select(Citizen).where(Citizen.cccd == a_cccd)).one()
        new_id = issued_notice(seeding, owner, "51G12345", index=2).id
    page.locator(f'#notices a[data-notice-id="{new_id}"]').wait_for()
    assert page.locator("#live").is_visible()

    item.click()
    page.wait_for_url(f"**/citizen/notices/{notice_id}")
    page.locator("#notice").wait_for()
    assert page.locator("#number").inner_text() == number
    assert page.locator("#legal-basis").inner_text().startswith("ND 168/2024")
    law = row("RED_LIGHT", "car", NEW)  # the decree's words, read from its CSV
    assert page.locator("#violation").inner_text() == f"{law['description_vi']} (RED_LIGHT)"
    assert page.locator("#article").inner_text() == law["legal_reference"]
    assert (
        page.locator("#fine-range")
        .inner_text()
        .startswith(f"{money(law['fine_min_vnd'])} – {money(law['fine_max_vnd'])}")
    )
    assert len(page.locator("#manifest").inner_text()) == 64
    shoot(page, "citizen-notice")
    if "/api/citizen/v1/notices/{notice_id}/evidence" in httpx.get(f"{server}/openapi.json").json()["paths"]:
        first = page.locator("#evidence img").first  # the blurred copies, fetched with the bearer token
        first.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#evidence img')].some(i => i.naturalWidth > 0)"
        )
    page.get_by_role("button", name="Kiểm tra toàn vẹn").click()
    verdict = page.locator("#verdict")
    verdict.wait_for()
    assert verdict.inner_text() == "Chứng cứ toàn vẹn"
    # 7 checks of the package and its chain link, and the blurred copies' check once they are made
    assert page.locator("#checks li.ok").count() in (7, 8) and page.locator("#checks li.bad").count() == 0

    page.get_by_role("link", name="English").click()
    page.get_by_role("button", name="Verify integrity").click()
    page.locator("#verdict").wait_for()
    assert page.locator("#verdict").inner_text() == "Evidence intact"

    page.goto(f"/citizen/notices/{other_id}")  # another citizen's notice
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Notice not found."
    assert page.locator("#notice").is_hidden()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/citizen")
    page.goto("/citizen/notices")
    page.wait_for_url("**/citizen")  # signed out: back to sign in
