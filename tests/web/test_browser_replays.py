"""The replay pages in real headless Chromium against `tvp serve` (its in-process job worker runs the
segments): ops start a 2-segment replay, watch its progress to the end, open the diff against an
earlier run of the same footage, and promote what it found to review."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Role
from penalties.cameras.config import load_camera
from penalties.cameras.service import register_loaded
from penalties.candidates.models import ViolationCandidate
from penalties.runs.events import record_run_events
from penalties.runs.models import ProcessingRun, RunKind, RunStatus
from penalties.runs.runner import footage_sha256
from tests.support.citizen_app import free_port, tvp_serve
from tests.support.factories import PASSWORD, make_staff
from tests.web.test_browser import page  # noqa: F401 - the Chromium fixture (over the server below)

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database_url: str, clean_db: str, generated_footage, tmp_path: Path) -> Iterator[str]:
    settings = {
        "TVP_DATABASE_URL": database_url,
        "TVP_FOOTAGE_DIR": str(generated_footage.video.parent),
        "TVP_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    with tvp_serve(free_port(), settings) as base:
        yield base


def _earlier_run(generated_footage) -> str:
    """A run of the same footage an hour ago that read the red-light car's plate wrong and missed the
    speeding car (fabricated: what a replay after a model update would be compared with)."""
    with session_scope() as seeding:  # a write transaction from the start (the server's relay)
        make_staff(seeding, Role.ops, username="minh")
        loaded = load_camera(generated_footage.camera)
        register_loaded(seeding, loaded, actor="test")
        run = ProcessingRun(
            kind=RunKind.process,
            camera_code=loaded.config.camera.id,
            camera_version=1,
            config_sha256=loaded.sha256,
            source=str(generated_footage.video),
            footage_sha256=footage_sha256(generated_footage.video),
            status=RunStatus.completed,
            options={},
            models={},
        )
        seeding.add(run)
        seeding.flush()
        run.created_at = run.created_at - timedelta(hours=1)
        red = {
            "code": "RED_LIGHT",
            "at": "2026-11-20T01:30:05.4+00:00",
            "plate": "30A99989",
            "vehicle_class": "car",
            "measured": {"time_into_red_s": 1.8},
            "frame": 135,
            "key": "old-red",
        }
        record_run_events(seeding, run.id, [red])
        return str(run.id)


def test_start_a_replay_watch_it_finish_diff_and_promote(page, db: Session, generated_footage) -> None:  # noqa: F811
    earlier = _earlier_run(generated_footage)
    page.goto("/login?next=/ops/replays%3Flang%3Den")
    page.fill("#username", "minh")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/ops/replays?lang=en")
    page.select_option("#footage", "footage.mp4")
    page.select_option("#camera_version", "GEN-RED-001:1")
    page.fill("#segments", "2")
    page.fill("#stride", "3")
    page.click("#start")
    page.wait_for_url("**/ops/replays/*")
    assert page.locator("#total").inner_text() != "0"
    # The page refreshes itself every 2 s until the workers are done.
    page.wait_for_selector("#status:text('completed')", timeout=240_000)
    assert page.locator("#done").inner_text() == page.locator("#total").inner_text()
    assert page.locator("#events tbody tr").count() == 2

    page.select_option("#against", earlier)
    page.click("#do-compare")
    page.wait_for_selector("#diff")
    added = page.locator("#diff tr.added")
    assert added.count() == 1 and "SPEED_20_35" in added.inner_text()
    changed = page.locator("#diff tr.changed")
    assert changed.count() == 1 and "30A99989 → 30A99988" in changed.inner_text()

    page.click("#promote")
    page.wait_for_selector("#promoted")
    deadline = time.monotonic() + 180  # the promotion job runs the footage through the pipeline
    while time.monotonic() < deadline:
        with session_scope(writes=False) as s:
            plates = sorted(str(p) for p in s.scalars(select(ViolationCandidate.plate)))
            promoted = s.scalar(
                select(func.count())
                .select_from(ProcessingRun)
                .where(ProcessingRun.kind == RunKind.process, ProcessingRun.status == RunStatus.completed)
            )
        if len(plates) == 2 and promoted == 2:
            break
        time.sleep(1)
    assert plates == ["30A99988", "51G12345"]
