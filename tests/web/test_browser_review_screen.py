"""The review page on one screen, in real headless Chromium against `tvp serve`: at 1366×768 and at
tablet sizes every part a reviewer needs is inside the window without scrolling; a frame opens at full
resolution and pans; the overlay toggles off to show the original frame; the clip's scrubber marks the
crossing moment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.evidence import get_blob_store
from core.models import Role
from core.time import utc_now
from penalties.candidates.models import EvidenceItem, EvidenceKind
from tests.support.citizen_notices import evidence_candidate
from tests.support.factories import PASSWORD, make_citizen, make_staff, make_vehicle
from tests.support.screenshots import shoot
from tests.web.test_browser import page, server  # noqa: F401 - the fixtures: tvp serve and Chromium

pytestmark = pytest.mark.browser
SCREENS = [(1366, 768), (1024, 768), (768, 1024)]  # a laptop, a tablet lying and standing
ON_SCREEN = [
    "#violation-code",
    "img.frame >> nth=0",
    "img.frame >> nth=1",
    "#overlay-toggle",
    "img.crop",
    "#read",
    "#alternatives",
    "#clip",
    "#scrubber",
    "#crossing-mark",
    "#measured",
    "#signal",
    "#registry",
    "#flags",
    "#ack",
    "#confirm",
    "#plate-input",
    "#plate-save",
    "#reason",
    "#reject",
    "#escalate-note",
    "#escalate",
]
LOADED = (
    "() => [...document.images].filter(i => i.getAttribute('src')).every(i => i.complete && i.naturalWidth)"
)
OUTSIDE = """el => { const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
    && r.right <= innerWidth && r.bottom <= innerHeight ? null : [r.left, r.top, r.right, r.bottom]; }"""


def _seed() -> tuple[object, list[EvidenceItem], list[EvidenceItem]]:
    """A red-light candidate with a real evidence package and a warning; its overlays and originals."""
    with session_scope() as seeding:  # see test_browser: a write transaction from the start
        make_staff(seeding, Role.reviewer, username="mai")
        vehicle = make_vehicle(seeding, make_citizen(seeding, serial=7070), plate="51G12345")
        vehicle.colour = "Trắng"
        candidate = evidence_candidate(seeding, "51G12345", at=utc_now() - timedelta(days=1))
        candidate.provenance = {
            **candidate.provenance,
            "vehicle_colour": "red",
            "alternatives": ["51G12346", "51G17345"],
        }
        seeding.flush()
        items = seeding.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.candidate_id == candidate.id)
            .order_by(EvidenceItem.captured_at)
        ).all()
        seeding.expunge_all()
    overlays = [i for i in items if i.kind is EvidenceKind.overlay]
    originals = [i for i in items if i.kind is EvidenceKind.frame]
    return candidate.id, overlays, originals


def _open_claimed(page, candidate_id: object) -> None:  # noqa: F811 - the fixture
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/login?next=/review")
    page.fill("#username", "mai")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: url.endswith("/review"))
    page.keyboard.press("n")  # claim the oldest: the actions appear
    page.wait_for_url(f"**/review/{candidate_id}")


def _clip_ready(page) -> None:  # noqa: F811 - the fixture
    page.wait_for_function("() => document.getElementById('clip').readyState >= 1")


def test_everything_on_one_screen_at_laptop_and_tablet_sizes(page, db: Session, tmp_path: Path) -> None:  # noqa: F811
    candidate_id, _, _ = _seed()
    _open_claimed(page, candidate_id)
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        _clip_ready(page)
        page.wait_for_function(LOADED)
        assert page.evaluate("window.scrollY") == 0
        outside = {sel: page.locator(sel).evaluate(OUTSIDE) for sel in ON_SCREEN}
        assert {sel: box for sel, box in outside.items() if box} == {}, (width, height)
        page.screenshot(path=tmp_path / f"review-{width}x{height}.png")  # to look at when it fails
        if (width, height) == SCREENS[0]:
            shoot(page, "review-page")
    assert page.locator("#measured").inner_text().count("1.6 s") == 1  # time into red, labelled
    assert "red" in page.locator("#signal").inner_text()
    assert "51G12346" in page.locator("#alternatives").inner_text()


def test_zoom_pans_the_full_frame_and_the_overlay_turns_off(page, db: Session) -> None:  # noqa: F811
    candidate_id, overlays, originals = _seed()
    assert len(overlays) == len(originals) == 2
    stored_png = np.frombuffer(get_blob_store().get(originals[1].sha256), np.uint8)
    width = cv2.imdecode(stored_png, cv2.IMREAD_COLOR).shape[1]  # type: ignore[union-attr]
    _open_claimed(page, candidate_id)
    at_frame = page.locator("img.frame").nth(1)
    assert at_frame.get_attribute("src") == f"/evidence/{overlays[1].id}"

    at_frame.click()
    page.wait_for_function("() => document.getElementById('zoom-img').complete")
    assert page.locator("#zoom").is_visible()
    assert page.locator("#zoom-img").evaluate("i => i.naturalWidth") == width
    assert page.locator("#zoom-img").evaluate("i => i.getBoundingClientRect().width") == width
    pan = page.locator("#zoom-pan")
    before = pan.evaluate("p => [p.scrollLeft, p.scrollTop]")
    box = pan.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 600, box["y"] + 400)
    page.mouse.down()
    page.mouse.move(box["x"] + 400, box["y"] + 300, steps=5)
    page.mouse.up()
    after = pan.evaluate("p => [p.scrollLeft, p.scrollTop]")
    assert (after[0] - before[0], after[1] - before[1]) == (
        pytest.approx(200, abs=2),
        pytest.approx(100, abs=2),
    )
    page.keyboard.press("c")  # shortcuts wait while the zoom is open: nothing is confirmed
    page.keyboard.press("Escape")
    assert not page.locator("#zoom").is_visible()
    assert page.url.endswith(f"/review/{candidate_id}")

    page.locator("#overlay-toggle").click()
    assert [page.locator("img.frame").nth(i).get_attribute("src") for i in (0, 1)] == [
        f"/evidence/{o.id}" for o in originals
    ]
    assert page.locator("#overlay-toggle").get_attribute("aria-pressed") == "false"
    page.wait_for_function(LOADED)
    at_frame.click()  # the zoom shows what is on screen: the original
    page.wait_for_function(f"() => document.getElementById('zoom-img').src.endsWith('{originals[1].id}')")
    page.keyboard.press("Escape")
    page.keyboard.press("o")  # and back to the overlay by key
    assert at_frame.get_attribute("src") == f"/evidence/{overlays[1].id}"


def test_the_scrubber_marks_and_seeks_the_crossing_frame(page, db: Session) -> None:  # noqa: F811
    candidate_id, _, _ = _seed()
    _open_claimed(page, candidate_id)
    _clip_ready(page)
    mark = page.locator("#crossing-mark")
    assert float(mark.get_attribute("data-at") or "nan") == 1.0  # the clip starts a second before
    duration = page.evaluate("document.getElementById('clip').duration")
    scrub, spot = page.locator("#scrubber").bounding_box(), mark.bounding_box()
    assert scrub is not None and spot is not None
    centre = spot["x"] + spot["width"] / 2
    expected = scrub["x"] + 8 + (scrub["width"] - 16) * 1.0 / duration  # the thumb's travel
    assert centre == pytest.approx(expected, abs=3)
    page.locator("#scrubber").fill("0")
    mark.click()
    page.wait_for_function("() => Math.abs(document.getElementById('clip').currentTime - 1.0) < 0.05")
    assert float(page.locator("#scrubber").input_value()) == pytest.approx(1.0, abs=0.05)
