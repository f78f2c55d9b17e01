"""The staff pages in real headless Chromium (Debian's), driven by Playwright, against `tvp serve`."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Role
from tests.support.citizen_app import free_port, tvp_serve
from tests.support.factories import PASSWORD, make_staff
from tests.support.screenshots import shoot

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("chromium not installed")


@pytest.fixture
def server(database_url: str, clean_db: str) -> Iterator[str]:
    with tvp_serve(free_port(), {"TVP_DATABASE_URL": database_url}) as base:
        yield base


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


def test_sign_in_see_dashboard_switch_language_and_sign_out(page, db: Session) -> None:
    with session_scope() as seeding:  # see the note in the next test
        make_staff(seeding, Role.ops, username="khanh")
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
    shoot(page, "dashboard")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url


def _evidence(db: Session, candidate_id: object) -> None:
    """Two evidence images for the review page (a rendered plate and a frame), in the shared store."""
    import random

    import cv2
    import numpy as np

    from core.evidence import get_blob_store
    from ocr.render import random_spec, render_plate
    from penalties.candidates.models import EvidenceItem, EvidenceKind

    store = get_blob_store()
    plate = render_plate(random_spec(random.Random(5)))
    frame = np.full((540, 960, 3), 90, np.uint8)
    for kind, image in ((EvidenceKind.overlay, frame), (EvidenceKind.plate_crop, plate)):
        data = cv2.imencode(".png", image)[1].tobytes()
        db.add(
            EvidenceItem(
                candidate_id=candidate_id,
                kind=kind,
                sha256=store.put(data),
                content_type="image/png",
                size_bytes=len(data),
                captured_at=None,
            )
        )


def test_review_candidates_to_a_notice_with_the_keyboard_only(page, db: Session, tmp_path: Path) -> None:
    import json
    from datetime import timedelta

    from core.time import utc_now
    from penalties.candidates.models import CandidateStatus, ViolationCandidate
    from penalties.notices.models import Notice
    from tests.support.factories import make_candidate, make_citizen, make_vehicle

    # Seed in a BEGIN IMMEDIATE transaction: the server's job relay takes SQLite's write lock every
    # second, and a read transaction that then writes cannot wait for it (SQLITE_BUSY at once).
    with session_scope() as seeding:
        make_staff(seeding, Role.reviewer, username="lan")
        owner = make_citizen(seeding, serial=9090)
        make_vehicle(seeding, owner, plate="51G12345", display="51G-123.45")
        now = utc_now()
        first = make_candidate(seeding, plate="51G12345", detected_at=now - timedelta(days=2))
        second = make_candidate(
            seeding, plate="51G99999", code="SPEED_10_20", detected_at=now - timedelta(days=1)
        )
        _evidence(seeding, first.id)

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "document" else None)
    page.goto("/login?next=/review")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")  # autofocus
    page.keyboard.type("lan")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.endswith("/review") and "login" not in url)
    assert page.locator("#queue tbody tr").count() == 2
    assert page.locator("#queue tbody tr.selected .plate").inner_text() == "51G-123.45"  # the oldest first
    shoot(page, "review-queue")

    timings = []
    requests.clear()
    started = time.perf_counter()
    page.keyboard.press("n")  # take the oldest
    page.wait_for_url(f"**/review/{first.id}")
    assert page.locator("#registry").inner_text().count(owner.cccd) == 1
    assert page.locator("img.crop").evaluate("img => img.complete && img.naturalWidth > 0")
    page.keyboard.press("c")  # confirm → the next candidate opens
    page.wait_for_url(f"**/review/{second.id}?done=1")
    timings.append(((time.perf_counter() - started) * 1000, len(requests)))

    requests.clear()
    started = time.perf_counter()
    page.keyboard.press("r")  # reject: pick "duplicate" from the list, Enter
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#reason").input_value() == "duplicate"
    page.keyboard.press("Enter")
    page.wait_for_url("**/review?empty=1")
    timings.append(((time.perf_counter() - started) * 1000, len(requests)))
    assert page.locator("#empty").is_visible()

    db.rollback()
    db.expire_all()  # objects made in this session are not expired by a rollback
    assert db.get(ViolationCandidate, first.id).status is CandidateStatus.confirmed  # type: ignore[union-attr]
    rejected = db.get(ViolationCandidate, second.id)
    assert rejected is not None and rejected.status is CandidateStatus.rejected
    assert rejected.reject_reason is not None and rejected.reject_reason.value == "duplicate"
    notice = db.query(Notice).one()

    # The printable notice.
    page.goto(f"/review/{first.id}")
    page.get_by_role("link", name=notice.number).click()
    page.wait_for_url(f"**/notices/{notice.id}")
    assert page.locator("#notice-number").inner_text() == notice.number
    assert page.locator("#amount").inner_text() == "18.000.000 ₫"
    assert page.locator("#legal-basis").inner_text().startswith("ND 168/2024")
    assert notice.number in page.locator("#pay").inner_text()
    assert page.locator(".evidence img").count() == 2
    shoot(page, "staff-notice")
    printed = page.pdf(format="A4")  # the page prints
    assert printed.startswith(b"%PDF") and len(printed) > 10_000
    served = page.request.get(page.locator("#pdf").get_attribute("href") or "")
    assert served.headers["content-type"] == "application/pdf"
    assert served.body().startswith(b"%PDF") and len(served.body()) > 5_000
    report = [{"ms": round(ms), "page_requests": n} for ms, n in timings]
    (tmp_path / "review_timing.json").write_text(json.dumps(report))
    print("review timing per candidate:", report)
    assert all(n <= 4 for _, n in timings)  # each action is one POST and the page it redirects to
