"""A no-helmet candidate in real headless Chromium against `tvp serve`: made from a real held-out
helmet_dev photo (its hand-made head labels: the detector's accuracy is bench/helmets.py's and
test_camera_helmets_real.py's business, this is the console's) through the camera loop's vote, rules
and kept looks, recorded with its evidence; the review page shows each rider's enlarged head crop
(loaded, ×4), and dropping the unhelmeted rider fells the finding."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Role
from core.time import utc_now
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from tests.support.factories import PASSWORD, make_staff
from tests.support.helmet_candidates import helmet_candidate
from tests.web.test_browser import page, server  # noqa: F401 - the fixtures: tvp serve and Chromium

pytestmark = pytest.mark.browser


def _seed() -> object:
    with session_scope() as seeding:
        make_staff(seeding, Role.reviewer, username="lan")
        candidate = helmet_candidate(seeding, utc_now(), "NO_HELMET_PASSENGER")
        seeding.flush()
        return candidate.id


def test_the_head_crop_is_shown_and_a_rider_is_dropped(page, db: Session) -> None:  # noqa: F811
    candidate_id = _seed()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/login?next=/review")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: url.endswith("/review"))
    page.keyboard.press("n")  # claim the oldest
    page.wait_for_url(f"**/review/{candidate_id}")
    head = page.locator("#rider-1 img.head")
    head.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('img.head')].every(i => i.complete)")
    natural = head.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert natural[1] >= 160  # the enlarged crop, loaded from the evidence store
    assert page.locator("#rider-1").get_attribute("data-helmet") == "helmet_missing"
    assert page.locator("#rider-0").get_attribute("data-helmet") == "helmet_worn"
    assert page.locator("#passenger-fined").is_visible()
    # Drop the helmeted driver (a head the camera took for a rider): the finding stands.
    page.fill("#drop-0 input[name=reason]", "not on this motorbike")
    page.click("#drop-0 button")
    page.wait_for_selector("#rider-0.dropped")
    assert "not on this motorbike" in page.locator("#rider-0").inner_text()
    # Drop the passenger without a helmet: the finding falls, the candidate is rejected.
    page.fill("#drop-1 input[name=reason]", "a hood, not a bare head")
    page.click("#drop-1 button")
    page.wait_for_url(lambda url: "/review?" in url or url.endswith("/review"))
    with session_scope() as check:
        status = check.scalar(select(ViolationCandidate.status).where(ViolationCandidate.id == candidate_id))
    assert status is CandidateStatus.rejected
