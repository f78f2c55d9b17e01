"""The camera-health ops page: each camera's newest run, its times in Vietnam time, "never" without one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core import leases
from core.db import session_scope
from core.models import Lease, Role
from core.time import utc_now
from penalties.cameras.models import Camera
from penalties.runs.models import ProcessingRun, RunEvent, RunKind, RunStatus
from tests.support.factories import staff_headers


def _camera(db: Session, code: str, name: str) -> Camera:
    camera = Camera(
        code=code,
        name=name,
        road="Lê Lợi",
        province_code="79",
        latitude=10.77,
        longitude=106.70,
        speed_limit_kmh=50,
    )
    db.add(camera)
    return camera


def _run(db: Session, code: str, started: datetime, **fields: object) -> ProcessingRun:
    run = ProcessingRun(
        kind=RunKind.live,
        camera_code=code,
        camera_version=1,
        config_sha256="0" * 64,
        source="rtsp://cam",
        created_at=started,
        **fields,
    )
    db.add(run)
    db.flush()
    return run


def _row(html: str, code: str) -> str:
    found = re.search(rf'<tr data-camera="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {code}"
    return found.group(1)


@pytest.fixture
def cameras(db: Session) -> None:
    _camera(db, "HCM-Q1-001", "Ngã tư Lê Lợi")
    _camera(db, "HCM-Q1-002", "Cầu Khánh Hội")
    # An older, finished run and the newest one, still running: the page shows the newest.
    _run(
        db,
        "HCM-Q1-001",
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        status=RunStatus.completed,
        finished_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        frames_done=111,
    )
    newest = _run(
        db,
        "HCM-Q1-001",
        datetime(2026, 3, 1, 17, 30, tzinfo=UTC),  # 00:30 on 2 March in Vietnam
        status=RunStatus.failed,
        finished_at=datetime(2026, 3, 1, 18, 5, 9, tzinfo=UTC),
        frames_done=4321,
        last_frame_at=datetime(2026, 3, 1, 18, 5, 8, tzinfo=UTC),
        frames_dropped=17,
    )
    for seq, at in enumerate(
        (datetime(2026, 3, 1, 17, 40, tzinfo=UTC), datetime(2026, 3, 1, 18, 2, 7, tzinfo=UTC))
    ):
        db.add(RunEvent(run_id=newest.id, seq=seq, key=f"k{seq}", data={"code": "RED_LIGHT"}, created_at=at))
    _run(db, "ELSEWHERE", datetime(2026, 3, 2, tzinfo=UTC))  # a run of a camera not registered here
    db.commit()
    with session_scope() as s:
        assert leases.acquire(s, "camera:HCM-Q1-001", "worker-a:41:abc", 60)
        assert leases.acquire(s, "footage:HCM-Q1-002:" + "f" * 64 + ":..", "worker-b:7:def", 60)


def test_each_camera_shows_its_newest_run_in_vietnam_time(client: TestClient, cameras: None) -> None:
    resp = client.get("/ops/cameras?lang=en", headers=staff_headers(Role.ops))
    assert resp.status_code == 200
    row = _row(resp.text, "HCM-Q1-001")
    assert "failed" in row and "4321" in row and "111" not in row
    assert '<td class="started">02/03/2026 00:30:00</td>' in row
    assert '<td class="ended">02/03/2026 01:05:09</td>' in row
    assert '<td class="last-frame">02/03/2026 01:05:08</td>' in row
    assert '<td class="last-event">02/03/2026 01:02:07</td>' in row
    assert '<td class="dropped err">17</td>' in row  # the live queue dropped frames: shown as a problem
    assert '<td class="lease">worker-a:41:abc</td>' in row  # its live lease
    never = _row(resp.text, "HCM-Q1-002")
    assert '<td colspan="8" class="never">never</td>' in never
    assert '<td class="lease">worker-b:7:def</td>' in never  # processing its footage
    assert "ELSEWHERE" not in resp.text
    assert "Lease holder: the worker (host:pid)" in resp.text


def test_an_expired_lease_is_no_holder(client: TestClient, cameras: None, db: Session) -> None:
    db.get_one(Lease, "camera:HCM-Q1-001").expires_at = utc_now() - timedelta(seconds=1)
    db.commit()
    row = _row(client.get("/ops/cameras", headers=staff_headers(Role.ops)).text, "HCM-Q1-001")
    assert '<td class="lease">—</td>' in row


def test_vietnamese_is_the_default(client: TestClient, cameras: None) -> None:
    html = client.get("/ops/cameras", headers=staff_headers(Role.admin)).text
    assert "Tình trạng camera" in html
    assert "chưa bao giờ" in _row(html, "HCM-Q1-002")


def test_a_run_without_events_or_end_shows_dashes(client: TestClient, db: Session) -> None:
    _camera(db, "HCM-Q1-003", "Bến Thành")
    _run(db, "HCM-Q1-003", datetime(2026, 5, 4, 23, 59, 59, tzinfo=UTC), frames_done=0)
    db.commit()
    row = _row(client.get("/ops/cameras", headers=staff_headers(Role.ops)).text, "HCM-Q1-003")
    assert "running" in row and '<td class="started">05/05/2026 06:59:59</td>' in row
    assert '<td class="ended">—</td>' in row and '<td class="last-event">—</td>' in row
    assert '<td class="last-frame">—</td>' in row and '<td class="dropped">0</td>' in row


def test_no_cameras_says_so(client: TestClient, clean_db: str) -> None:
    assert "No cameras yet." in client.get("/ops/cameras?lang=en", headers=staff_headers(Role.ops)).text


@pytest.mark.parametrize("role", [Role.reviewer, Role.supervisor, Role.exam_officer])
def test_other_staff_are_refused(client: TestClient, clean_db: str, role: Role) -> None:
    assert client.get("/ops/cameras", headers=staff_headers(role)).status_code == 403
