"""The exam desk in real headless Chromium against `tvp serve` with the real dlib face backend: the
officer checks a candidate in with the chip files and the live frames (the camera's file fallback),
sees the chip photo and the frame side by side and admits them; a tampered chip is refused by the check
and the page offers only a refusal, which the officer records with a reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Role
from core.time import utc_now
from exams import service
from exams.models import CheckinAttempt, ExamKind, OfficerDecision
from exams.schemas import ExamCreate
from identity.face.backend import load_backend
from identity.fixtures import faces as F
from identity.fixtures.chip import tampered
from tests.support.citizen_app import free_port, tvp_serve
from tests.support.factories import PASSWORD, make_staff
from tests.support.identity import citizen, pki
from tests.support.screenshots import shoot
from tests.web.test_browser import page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database_url: str, clean_db: str, tmp_path: Path) -> Iterator[str]:
    trust = pki().write_trust_dir(tmp_path / "csca")
    settings = {"TVP_DATABASE_URL": database_url, "TVP_IDENTITY_CSCA_DIR": str(trust)}
    with tvp_serve(free_port(), settings) as base:
        yield base


def _turning_frames(folder: Path) -> list[str]:
    frame = F.on_canvas(F.scale(F.portrait("hopper"), 0.75))
    found = load_backend("dlib").detect(frame)[0]
    shots: list[np.ndarray] = [
        F.turned(frame, found.nose, s, found.eye_distance * 0.6) if s else frame for s in (0, -40, 40)
    ]
    paths = []
    for i, shot in enumerate(shots):
        path = folder / f"frame{i}.png"
        cv2.imwrite(str(path), shot)
        paths.append(str(path))
    return paths


def _chip_files(folder: Path, chip: object) -> dict[str, str]:
    folder.mkdir()
    out = {}
    for name in ("dg1", "sod", "dg2"):
        (folder / f"{name}.bin").write_bytes(getattr(chip, name))
        out[name] = str(folder / f"{name}.bin")
    return out


def test_the_desk_admits_a_genuine_holder_and_refuses_a_tampered_chip(
    page,  # noqa: F811
    db: Session,
    tmp_path: Path,
) -> None:
    holder, forger = citizen(0), citizen(1)
    with session_scope() as seeding:
        make_staff(seeding, Role.exam_officer, username="giamthi")
        body = ExamCreate(
            code=f"DT-{uuid.uuid4().hex[:6]}",
            kind=ExamKind.driving_test,
            centre="Trung tâm sát hạch Quận 9",
            starts_at=utc_now() + timedelta(days=1),
        )
        exam = service.create_exam(seeding, body, actor="test")
        for c in (holder, forger):
            service.register(seeding, exam, c.id12, c.full_name, actor="test")
        exam_id = exam.id
    photo = F.chip_photo(F.portrait("hopper"))
    genuine = _chip_files(tmp_path / "genuine", pki().chip(holder, face=photo))
    forged_chip = tampered(pki().chip(forger, face=photo), pki(), "dg1", forger)
    forged = _chip_files(tmp_path / "forged", forged_chip)
    frames = _turning_frames(tmp_path)

    page.goto("/login?next=/exams")
    page.fill("#username", "giamthi")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/exams")
    page.get_by_role("link", name=body.code).click()
    page.wait_for_url(f"**/exams/{exam_id}")

    def check_in(cccd: str, chip: dict[str, str]) -> None:
        page.goto(f"/exams/{exam_id}")
        page.locator(f'tr[data-cccd="{cccd}"] a', has_text="Kiểm tra danh tính").click()
        for name, path in chip.items():
            page.set_input_files(f"#{name}", path)
        page.set_input_files("#frames", frames)
        page.click("#submit-check")
        page.wait_for_selector("#result")

    check_in(holder.id12, genuine)
    assert page.locator("#result").get_attribute("data-verdict") == "admitted"
    assert page.locator("#trust").inner_text() == "person_bound"
    for img in ("#chip-photo", "#live-photo"):
        assert page.locator(img).evaluate(
            "i => i.complete && i.naturalWidth > 0 && i.src.startsWith('data:')"
        )
    shoot(page, "exam-desk")
    page.fill("#decision-reason", "Khuôn mặt khớp ảnh chip")
    page.click("#admit")
    page.wait_for_selector("#done")
    assert "Cán bộ: cho vào thi" in page.locator(f'tr[data-cccd="{holder.id12}"] .verdict').inner_text()

    check_in(forger.id12, forged)
    assert page.locator("#result").get_attribute("data-verdict") == "refused"
    assert "chip.dg_hash" in page.locator("#reason-text").inner_text()
    assert page.locator("#admit").count() == 0
    page.fill("#decision-reason", "Chip không xác thực")
    page.click("#refuse")
    page.wait_for_selector("#done")
    assert "Cán bộ: không cho vào thi" in page.locator(f'tr[data-cccd="{forger.id12}"] .verdict').inner_text()

    db.rollback()
    decided = {a.registration.cccd: a for a in db.scalars(select(CheckinAttempt))}
    assert decided[holder.id12].officer_decision is OfficerDecision.admitted
    assert decided[forger.id12].officer_decision is OfficerDecision.refused
    assert decided[forger.id12].reason_code == "chip.dg_hash"
