"""`tvp demo --footage CLIP --camera YAML`: a real Hanoi clip (../shared/datasets/vn_real_footage, read in
place) through the real pipeline into the demo's review queue, and bad input refused before the demo
writes anything."""

from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.cli import app
from core.evidence import get_blob_store
from core.models import User
from core.seed import DEMO_PASSWORD
from penalties.cameras.models import Camera
from penalties.candidates.models import EvidenceKind, ViolationCandidate
from penalties.runs.models import ProcessingRun
from registry.models import Citizen
from tests.support.datasets import real_footage

CAMERAS = Path(__file__).resolve().parents[2] / "bench" / "cameras"
# Giang Vo × Lang Ha holds the dataset's earliest clear red-light runner: u15-02, a rider crossing the
# stop line ≈0.7 s into red (frames 29–31) and entering the junction by frame 35. The first 48 frames
# (≈7.7 s) hold him and give the tracker a second to see him through; the clips are equally long.
CLIP = "hanoi_giang_vo_lang_ha_green_to_red_queue.mp4"
CAMERA = CAMERAS / "hanoi-giang-vo-lang-ha.yaml"
CAMERA_CODE = "HN-GV-LH-01"
RUNNER = "u15-02"
TO_FRAME = 48
MATCH_S = 1.0  # crossings were read by eye from 6 fps video: ±2 frames


def tvp(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def decoded_frames(clip: Path, count: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(clip))
    frames: list[np.ndarray] = []
    try:
        while len(frames) < count:
            ok, image = cap.read()
            assert ok, f"{clip} ended after {len(frames)} frames"
            frames.append(image)
    finally:
        cap.release()
    return frames


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login", headers={"accept": "text/html"})
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    resp = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf": token.group(1), "next": "/"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text


def test_demo_on_a_real_clip_fills_the_queue_with_real_frames(
    db: Session, client: TestClient, evidence_dir: Path, tmp_path: Path
) -> None:
    clip, truth = real_footage(CLIP)
    runner = next(e for e in truth["stop_line_events"] if e["id"] == RUNNER)
    assert runner["violation"] == "yes" and runner["entered_junction"]["frames"][1] < TO_FRAME

    result = tvp("demo", "--no-serve", "--footage", clip, "--camera", CAMERA, "--to", f"f{TO_FRAME}")
    assert result.exit_code == 0, result.output
    assert "new candidates in the review queue" in result.output

    db.rollback()
    found = list(db.scalars(select(ViolationCandidate).order_by(ViolationCandidate.detected_at)))
    assert found, result.output
    # With footage the queue holds the clip's candidates only, not the drawn scenes.
    assert {c.camera.code for c in found} == {CAMERA_CODE}
    assert count(db, User) > 0  # the demo's staff, seeded as always
    run = db.scalars(select(ProcessingRun)).one()
    reds = [e for e in run.events if e["code"] == "RED_LIGHT"]
    lo, hi = runner["crossed_stop_line"]["times_s"][0], runner["entered_junction"]["times_s"][1]
    assert any(lo - MATCH_S <= e["time_s"] <= hi + MATCH_S for e in reds), run.events

    originals = [f.astype(np.int16) for f in decoded_frames(clip, TO_FRAME)]
    height, width = originals[0].shape[:2]
    store = get_blob_store()
    for candidate in found:
        frames = [e for e in candidate.evidence if e.kind is EvidenceKind.frame]
        assert frames
        for item in frames:
            image = cv2.imdecode(np.frombuffer(store.get(item.sha256), np.uint8), cv2.IMREAD_COLOR)
            assert image is not None and image.shape[:2] == (height, width) == (480, 640)
            # The frame itself, through the clip buffer's JPEG (quality 95: under 2 grey levels off on
            # average); neighbouring frames of the clip differ several times more.
            nearest, runner_up = sorted(
                float(np.abs(image.astype(np.int16) - original).mean()) for original in originals
            )[:2]
            assert nearest < 2.0 and runner_up > 3 * nearest, (nearest, runner_up)

    sign_in(client, "reviewer")
    queue = client.get("/review", headers={"accept": "text/html"})
    assert queue.status_code == 200
    for candidate in found:
        assert f'data-id="{candidate.id}"' in queue.text
    assert CAMERA_CODE in queue.text

    # Again, as a pair in a folder (clip + YAML by name): the same clip and camera file add nothing.
    folder = tmp_path / "pairs"
    folder.mkdir()
    (folder / "giang-vo.mp4").symlink_to(clip)
    (folder / "giang-vo.yaml").write_text(CAMERA.read_text(encoding="utf-8"), encoding="utf-8")
    again = tvp("demo", "--no-serve", "--footage-dir", folder, "--to", f"f{TO_FRAME}")
    assert again.exit_code == 0, again.output
    assert "already in the queue" in again.output
    db.rollback()
    assert count(db, ViolationCandidate) == len(found) and count(db, ProcessingRun) == 1


def small_video(path: Path, size: tuple[int, int], frames: int = 5) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 6.0, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 40 * i, np.uint8))
    writer.release()
    return path


def assert_nothing_written(db: Session) -> None:
    db.rollback()
    for model in (User, Citizen, Camera, ProcessingRun, ViolationCandidate):
        assert count(db, model) == 0, model.__name__


def test_bad_footage_or_camera_stops_the_demo_before_it_writes(
    db: Session, evidence_dir: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(50_000))
    wrong_size = small_video(tmp_path / "small.mp4", (320, 240))
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        CAMERA.read_text(encoding="utf-8").replace("speed_limit_kmh: 50", "speed_limit_kmh: fast")
    )
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    small_video(lonely / "clip.mp4", (640, 480))
    cases = [
        (("--footage", tmp_path / "missing.mp4", "--camera", CAMERA), "does not exist"),
        (("--footage", junk, "--camera", CAMERA), "not a readable video"),
        (("--footage", wrong_size, "--camera", CAMERA), "is 320×240 but camera HN-GV-LH-01"),
        (("--footage", wrong_size, "--camera", broken), "camera.location.speed_limit_kmh"),
        (("--footage", junk, "--camera", tmp_path / "none.yaml"), "camera file"),
        (("--footage", junk), "one --camera YAML for each --footage clip"),
        (("--footage-dir", lonely), "clip.mp4 in"),
        (("--footage-dir", tmp_path / "nowhere"), "is not a folder"),
        (("--to", "f10"), "--from/--to limit the --footage clips"),
    ]
    for args, message in cases:
        result = tvp("demo", "--no-serve", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
    assert_nothing_written(db)
