"""The README's screenshots, taken by the browser tests at the moments worth showing.

`shoot(page, name)` does nothing unless TVP_SCREENSHOTS_DIR is set (scripts/screenshots.sh sets it to
docs/screenshots); then it writes <name>.png there at the shot's fixed viewport and puts the page's own
viewport back, so the test goes on exactly as it would have. SHOTS is the one list of names: the README
shows each of them (tests/test_readme_screenshots.py) and an unknown name fails the test even without
the variable, so a renamed shot breaks CI rather than leaving a stale picture.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENV = "TVP_SCREENSHOTS_DIR"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SHOTS: dict[str, dict[str, int]] = {
    "dashboard": DESKTOP,
    "review-queue": DESKTOP,
    "review-page": DESKTOP,
    "staff-notice": DESKTOP,
    "citizen-notice": PHONE,
    "citizen-decision": PHONE,
    "exam-desk": DESKTOP,
    "proctoring": DESKTOP,
}
# Fonts in and the pictures in the window decoded (lazy ones below it never load): no half-drawn shot.
SETTLED = """() => document.fonts.status === 'loaded' && [...document.images].every(i => {
  const r = i.getBoundingClientRect(); return i.complete || r.top >= innerHeight || r.bottom <= 0; })"""


def shoot(page: Any, name: str, *, full_page: bool = False) -> Path | None:
    """Write the README's screenshot ``name`` from ``page`` when TVP_SCREENSHOTS_DIR is set."""
    if name not in SHOTS:
        raise ValueError(f"unknown screenshot {name!r}: add it to SHOTS and to the README")
    folder = os.environ.get(ENV)
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(SETTLED)
    own = page.viewport_size
    if own != SHOTS[name]:
        page.set_viewport_size(SHOTS[name])
    try:
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    finally:
        if own and own != SHOTS[name]:
            page.set_viewport_size(own)
    return path
