"""The candidate's online check-in in real headless Chromium against `tvp serve` (the real dlib face
backend), with Chromium's fake camera playing a Y4M video the test makes from the face fixtures: the
face looking at the camera, turned left, turned right, each pose a few seconds with a coloured corner
marking it, so the test captures each prompt's frame when its pose is on screen (it waits for the
marker, it never sleeps). The candidate, signed out, is sent to sign in; signed in, sees only their own
registration, not another's; a bad frame file is named (422, vi) and nothing changes; the camera's three
frames and the chip files give the verdict; the exam page then re-verifies from the webcam (every 2 s
here) and the re-verification is recorded."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import AuditEntry
from exams.models import CheckinAttempt, Verdict
from exams.proctoring.models import ProctorFlag
from identity.face.backend import load_backend
from identity.fixtures import faces as F
from tests.support.citizen_app import citizen_app_server
from tests.support.factories import make_citizen
from tests.support.identity import citizen, pki
from tests.support.proctoring import candidate, online_exam

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FPS = 5
# pose: (seconds on screen, the corner's BGR colour); the browser reads the corner back as RGB
POSES = {"front": (4, (0, 0, 255)), "left": (3, (0, 255, 0)), "right": (3, (255, 0, 0))}
MARKER = {"front": 0, "left": 1, "right": 2}  # which RGB channel dominates the corner


def _pose_frames() -> dict[str, np.ndarray]:
    frame = F.on_canvas(F.scale(F.portrait("hopper"), 0.75))
    found = load_backend("dlib").detect(frame)[0]
    shift = {"front": 0, "left": -40, "right": 40}
    out = {}
    for pose, (_, colour) in POSES.items():
        shot = (
            F.turned(frame, found.nose, shift[pose], found.eye_distance * 0.6)
            if shift[pose]
            else frame.copy()
        )
        shot[:40, :40] = colour
        out[pose] = shot
    return out


def write_y4m(path: Path) -> Path:
    """The fake camera's video: 640×480 I420 at FPS, each pose for its seconds (Chromium loops it)."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W640 H480 F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for pose, shot in _pose_frames().items():
            planes = cv2.cvtColor(shot, cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(POSES[pose][0] * FPS):
                out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def server(database_url: str, clean_db: str, evidence_dir: Path, tmp_path: Path) -> Iterator[str]:
    trust = pki().write_trust_dir(tmp_path / "csca")
    env = {
        "TVP_EVIDENCE_DIR": str(evidence_dir),
        "TVP_IDENTITY_CSCA_DIR": str(trust),
        "TVP_EXAM_REVERIFY_EVERY_S": "2",
    }
    with citizen_app_server(database_url, **env) as base:
        yield base


@pytest.fixture
def browser(server: str, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    video = write_y4m(tmp_path / "camera.y4m")
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


def _new_page(browser, server: str):
    return browser.new_page(base_url=server, viewport={"width": 390, "height": 844})  # a phone


def _sign_in(page, cccd: str) -> None:
    page.goto("/citizen")
    page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/idp/authorize?**")
    page.fill("#cccd", cccd)
    page.fill("#passcode", "123456")
    page.get_by_role("button", name="Đăng nhập / Sign in").click()
    page.wait_for_url("**/citizen/notices")


DENY = "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no', 'NotAllowedError'))"
SHOWING = """([video, channel]) => {
  if (!video.videoWidth) return false;
  const c = document.createElement('canvas'); c.width = 16; c.height = 16;
  c.getContext('2d').drawImage(video, 0, 0, 640, 480, 0, 0, 160, 120);
  const px = c.getContext('2d').getImageData(4, 4, 1, 1).data;
  return px[channel] > 150 && [0, 1, 2].every(i => i === channel || px[i] < 100);
}"""


def _capture_three_poses(page) -> None:
    page.click("#camera-start")
    video = page.locator("#camera-video").element_handle()
    for i, pose in enumerate(("front", "left", "right")):
        page.wait_for_function(f"() => document.getElementById('camera-prompt').dataset.state === '{i}'")
        page.wait_for_function(SHOWING, arg=[video, MARKER[pose]], timeout=30_000)
        page.click("#camera-capture")
    page.wait_for_function("() => document.getElementById('camera-prompt').dataset.state === 'done'")
    assert page.locator("#frames").evaluate("i => i.files.length") == 3


def _chip_files(folder: Path, cccd_index: int) -> dict[str, str]:
    chip = pki().chip(citizen(cccd_index), face=F.chip_photo(F.portrait("hopper")))
    folder.mkdir()
    paths = {}
    for name in ("dg1", "sod", "dg2"):
        (folder / f"{name}.bin").write_bytes(getattr(chip, name))
        paths[name] = str(folder / f"{name}.bin")
    return paths


def test_the_candidate_checks_in_with_the_camera_and_is_re_verified_during_the_exam(
    browser, server: str, db: Session, tmp_path: Path
) -> None:
    me, other = citizen(0), citizen(1)
    with session_scope() as seeding:  # its own write transaction (the server's job relay holds SQLite's lock)
        person = make_citizen(seeding, serial=7701, name=me.full_name)
        person.cccd = me.id12
        exam = online_exam(seeding, f"ON-{uuid.uuid4().hex[:6]}")
        mine = candidate(seeding, exam, me.id12, me.full_name).id
        theirs = candidate(seeding, exam, other.id12, other.full_name).id
        code = exam.code
    page = _new_page(browser, server)

    page.goto("/citizen/exams")
    page.wait_for_url("**/citizen")  # signed out: sent to sign in
    _sign_in(page, me.id12)
    page.get_by_role("link", name="Kỳ thi").click()
    page.wait_for_url("**/citizen/exams")
    page.wait_for_selector("#exams[aria-busy=false]")
    items = page.locator("#exams a[data-reg-id]")
    assert [a.get_attribute("data-reg-id") for a in items.all()] == [str(mine)]  # not the other candidate's
    assert code in items.first.inner_text() and "Chưa kiểm tra danh tính" in items.first.inner_text()

    page.goto(f"/citizen/exams/{theirs}")  # another person's registration: not found
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text() == "Không tìm thấy đăng ký dự thi."
    assert page.locator("#exam").is_hidden()

    page.goto("/citizen/exams")
    page.locator(f'#exams a[data-reg-id="{mine}"]').click()
    page.wait_for_url(f"**/citizen/exams/{mine}")
    page.locator("#exam").wait_for()
    page.click("#submit-check")  # nothing entered: named before anything is sent
    assert page.get_by_role("alert").inner_text() == "Cần dữ liệu thẻ: tệp chip (DG1 và SOD), mã QR hoặc MRZ."
    chip = _chip_files(tmp_path / "chip", 0)
    for name, path in chip.items():
        page.set_input_files(f"#{name}", path)
    (tmp_path / "not-a-photo.jpg").write_bytes(b"not an image")
    page.set_input_files("#frames", str(tmp_path / "not-a-photo.jpg"))
    page.click("#submit-check")
    page.wait_for_function(
        "() => document.getElementById('message').textContent.includes('face.image_unreadable')"
    )
    assert page.get_by_role("alert").inner_text().startswith("Dữ liệu kiểm tra chưa dùng được: ")
    db.rollback()
    assert db.scalars(select(CheckinAttempt)).all() == []  # bad input: nothing recorded

    page.evaluate(
        f"() => {{ {DENY}; }}"
    )  # the candidate refuses the camera: told so, the file input stays the way in
    page.click("#camera-start")
    page.wait_for_function("() => document.getElementById('camera-prompt').dataset.state === 'unavailable'")
    assert page.locator("#camera-prompt").inner_text() == "Không dùng được camera: chọn tệp ảnh bên dưới."
    assert page.locator("#camera-start").is_hidden() and page.locator("#frames").is_enabled()

    page.reload()  # allowed this time (the same tab keeps the sign-in)
    page.locator("#exam").wait_for()
    for name, path in chip.items():
        page.set_input_files(f"#{name}", path)
    _capture_three_poses(page)  # the fake camera: front, left, right on their prompts
    page.click("#submit-check")
    page.locator("#result").wait_for()
    db.rollback()
    attempt = db.scalars(select(CheckinAttempt)).one()
    assert page.locator("#result").get_attribute("data-verdict") == attempt.verdict.value
    assert attempt.reason_code in page.locator("#reason-code").inner_text()
    assert attempt.verdict is Verdict.admitted, attempt.reason  # the camera's frames pass liveness and match
    assert page.locator("#verdict").inner_text() == "Đạt: được vào thi"
    assert "Giữ camera bật" in page.locator("#next").inner_text()

    page.get_by_role("link", name="Vào phòng thi").click()
    page.wait_for_url(f"**/citizen/exams/{mine}/live")
    page.locator("#exam").wait_for()  # shown once the API confirmed the admission
    assert "mỗi 2 giây" in page.locator("#proctor-intro").inner_text()
    status = page.locator("#reverify-status")
    page.wait_for_function(
        "() => Number(document.getElementById('reverify-status').dataset.count) >= 1", timeout=60_000
    )
    outcome = status.get_attribute("data-outcome")
    assert outcome != "error", status.inner_text()
    db.rollback()
    checks = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "exam.reverified", AuditEntry.object_id == str(mine))
    ).all()
    assert checks and checks[0].detail["outcome"] == outcome and checks[0].actor.endswith(me.id12)
    flags = db.scalars(select(ProctorFlag).where(ProctorFlag.registration_id == mine)).all()
    assert len(flags) == sum(c.detail["outcome"] != "ok" for c in checks)  # a flag for each failed check
    page.screenshot(path=str(tmp_path / "exam-live.png"), full_page=True)

    page.add_init_script(DENY)  # the camera refused during the exam: said, and the exam page stays
    page.reload()
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text().startswith("Không bật được camera")
    assert page.locator("#exam").is_visible()
