"""The replay pages for ops: start a replay from footage in the footage folder (or an upload) and a
stored camera configuration version, watch it, compare it with an earlier run, promote it to review."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import reset_settings
from core.models import AuditEntry, Job, JobStatus, Role
from penalties.cameras.config import load_camera
from penalties.cameras.service import register_loaded
from penalties.runs.events import record_run_events
from penalties.runs.models import ProcessingRun, RunKind, RunStatus
from tests.support.factories import staff_headers
from tests.web.test_pages import _csrf

EVENT = {
    "code": "RED_LIGHT",
    "at": "2026-11-20T01:30:05.372+00:00",
    "plate": "30A99988",
    "vehicle_class": "car",
    "measured": {"time_into_red_s": 1.77},
    "frame": 134,
}


def _limit(generated_footage) -> int:
    """The upload limit in these tests: the generated footage and 1 KiB more."""
    return int(generated_footage.video.stat().st_size) + 1024


@pytest.fixture
def footage_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated_footage) -> Iterator[Path]:
    folder = tmp_path / "footage"
    (folder / "junction").mkdir(parents=True)
    shutil.copy(generated_footage.video, folder / "junction" / "footage.mp4")
    (folder / "notes.txt").write_text("not a video")
    (tmp_path / "secret.mp4").write_bytes(b"outside")
    monkeypatch.setenv("TVP_FOOTAGE_DIR", str(folder))
    monkeypatch.setenv("TVP_FOOTAGE_UPLOAD_MAX_BYTES", str(_limit(generated_footage)))
    reset_settings()
    yield folder
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def camera(db: Session, generated_footage) -> str:
    loaded = load_camera(generated_footage.camera)
    register_loaded(db, loaded, actor="test")
    db.commit()
    return f"{loaded.config.camera.id}:{loaded.config.camera.version}"


@pytest.fixture
def ops(client: TestClient) -> TestClient:
    client.headers.update(staff_headers(Role.ops))
    return client


def _start(
    ops: TestClient, *, files: dict[str, Any] | None = None, form: dict[str, str] | None = None, **fields: str
) -> Any:
    page = ops.get("/ops/replays")
    data = {"csrf": _csrf(page.text), "segments": "4", "stride": "3", **fields, **(form or {})}
    return ops.post("/ops/replays", data=data, files=files, follow_redirects=False)


def test_start_a_replay_from_the_footage_folder(
    ops: TestClient, db: Session, footage_dir: Path, camera: str
) -> None:
    page = ops.get("/ops/replays?lang=en")
    assert page.status_code == 200
    assert '<option value="junction/footage.mp4">' in page.text and "notes.txt" not in page.text
    assert f'<option value="{camera}">' in page.text
    started = _start(ops, footage="junction/footage.mp4", camera_version=camera)
    assert started.status_code == 303, started.text
    replay_id = uuid.UUID(started.headers["location"].rsplit("/", 1)[1])
    db.expire_all()
    replay = db.get_one(ProcessingRun, replay_id)
    assert replay.kind is RunKind.replay and replay.options["segments"] == 4 and replay.options["stride"] == 3
    jobs = db.scalars(select(Job).where(Job.name == "penalties.replay_segment")).all()
    assert len(jobs) == 4 and {j.status for j in jobs} == {JobStatus.pending}
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "runs.replay_started")).one()
    assert audit.object_id == str(replay_id) and audit.detail["footage"] == "junction/footage.mp4"
    watching = ops.get(f"/ops/replays/{replay_id}?lang=en")
    assert watching.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in watching.text  # refreshes while it runs
    assert re.search(r'<span id="done">0</span> / <span id="total">\d+</span>', watching.text)


@pytest.mark.parametrize(
    ("footage", "status", "message"),
    [
        ("../secret.mp4", 422, "outside the footage folder"),
        ("/etc/passwd", 422, "not a server path"),
        ("notes.txt", 422, "is not a video file"),
        ("junction/missing.mp4", 404, "no footage"),
        ("", 422, "not a server path"),
    ],
)
def test_footage_outside_the_folder_or_missing_is_refused(
    ops: TestClient, db: Session, footage_dir: Path, camera: str, footage: str, status: int, message: str
) -> None:
    refused = _start(ops, footage=footage, camera_version=camera)
    assert refused.status_code == status and message in refused.json()["detail"]
    assert db.scalar(select(ProcessingRun.id)) is None and db.scalar(select(Job.id)) is None


def test_bad_form_values_are_refused(ops: TestClient, db: Session, footage_dir: Path, camera: str) -> None:
    code = camera.split(":")[0]
    cases: list[tuple[dict[str, str], str]] = [
        ({"camera_version": f"{code}:9"}, "has no configuration version 9"),
        ({"camera_version": ""}, "choose a camera configuration version"),
        ({"camera_version": camera, "segments": "0"}, "segments: 1 to 16"),
        ({"camera_version": camera, "stride": "99"}, "stride: 1 to 10"),
    ]
    for fields, message in cases:
        refused = _start(ops, footage="junction/footage.mp4", form=fields)
        assert refused.status_code == 422 and message in refused.json()["detail"], fields
    no_csrf = ops.post("/ops/replays", data={"footage": "junction/footage.mp4", "camera_version": camera})
    assert no_csrf.status_code == 403
    assert db.scalar(select(ProcessingRun.id)) is None


def test_an_upload_is_stored_in_the_footage_folder_or_refused(
    ops: TestClient, db: Session, footage_dir: Path, camera: str, generated_footage
) -> None:
    uploads = footage_dir / "uploads"
    for name, body, message in [
        ("clip.txt", b"hello", "must be a video file"),
        ("clip.mp4", b"this is not a video", "not a readable video"),
        ("clip.mp4", b"", "is empty"),
        ("big.mp4", b"0" * (_limit(generated_footage) + 1), "MiB limit for footage"),
    ]:
        refused = _start(ops, camera_version=camera, files={"upload": (name, body, "video/mp4")})
        assert refused.status_code == 422 and message in refused.json()["detail"], name
    assert not uploads.exists() or not any(uploads.iterdir())  # nothing half-written left behind
    video = generated_footage.video.read_bytes()
    started = _start(ops, camera_version=camera, files={"upload": ("junction.mp4", video, "video/mp4")})
    assert started.status_code == 303, started.text
    stored = list(uploads.iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == video
    db.expire_all()
    replays = [r for r in db.scalars(select(ProcessingRun)) if "segments" in r.options]
    assert [r.options["footage_name"] for r in replays] == [f"uploads/{stored[0].name}"]


def _finished_replay(db: Session, events: list[dict[str, object]], sha: str = "f" * 64) -> ProcessingRun:
    fields = {"camera_code": "C1", "camera_version": 2, "config_sha256": "0" * 64, "source": "f.mp4"}
    replay = ProcessingRun(
        kind=RunKind.replay,
        footage_sha256=sha,
        status=RunStatus.completed,
        models={},
        **fields,
        options={"segments": 1, "total_frames": 300, "stride": 1, "motion_gate": False},
    )
    db.add(replay)
    db.flush()
    segment = ProcessingRun(
        kind=RunKind.replay,
        status=RunStatus.completed,
        models={},
        frames_done=300,
        **fields,
        options={"segment": {"index": 0, "start": 0, "end": None, "warm_from": 0, "of": str(replay.id)}},
    )
    db.add(segment)
    db.flush()
    replay.options = {**replay.options, "segment_runs": [str(segment.id)]}
    record_run_events(db, replay.id, [{**e, "key": f"k{i}"} for i, e in enumerate(events)])
    return replay


def _earlier(db: Session, events: list[dict[str, object]], sha: str = "f" * 64) -> ProcessingRun:
    run = ProcessingRun(
        kind=RunKind.process,
        camera_code="C1",
        camera_version=1,
        config_sha256="1" * 64,
        source="f.mp4",
        footage_sha256=sha,
        status=RunStatus.completed,
        options={},
        models={},
    )
    db.add(run)
    db.flush()
    record_run_events(db, run.id, [{**e, "key": f"e{i}"} for i, e in enumerate(events)])
    return run


def test_the_diff_against_an_earlier_run_and_promotion(ops: TestClient, db: Session) -> None:
    speeding = {
        **EVENT,
        "code": "SPEED_20_35",
        "at": "2026-11-20T01:30:01.44+00:00",
        "frame": 36,
        "plate": "51G12345",
        "measured": {"speed_kmh": 81.3},
    }
    earlier = _earlier(db, [EVENT, speeding])
    other_footage = _earlier(db, [EVENT], sha="a" * 64)
    new_event = {**EVENT, "code": "NO_STOPPING", "at": "2026-11-20T01:30:09+00:00", "frame": 225}
    replay = _finished_replay(db, [{**EVENT, "plate": "30A99989"}, new_event])
    db.commit()

    page = ops.get(f"/ops/replays/{replay.id}?lang=en&against={earlier.id}")
    assert page.status_code == 200 and "refresh" not in page.text
    assert f'<option value="{earlier.id}" selected>' in page.text and str(other_footage.id) not in page.text
    diff = page.text.split('<div id="diff">')[1]
    assert re.search(r'<tr class="added">.*NO_STOPPING.*<td>225</td>', diff)
    assert re.search(r'<tr class="removed">.*SPEED_20_35.*<td>36</td>.*51G-123.45', diff)
    assert re.search(r'<tr class="changed">.*RED_LIGHT.*plate: 30A99988 → 30A99989', diff)
    assert "20/11/2026 08:30:09.000" in diff  # in Vietnam time
    read = db.scalars(select(AuditEntry).where(AuditEntry.action == "processing_run.read")).one()
    assert read.object_id == str(replay.id) and read.detail["plates"] == ["30A99988", "30A99989", "51G12345"]
    db.rollback()

    wrong = ops.get(f"/ops/replays/{replay.id}?against={other_footage.id}")
    assert (
        wrong.status_code == 422
        and "not an earlier finished run of the same footage" in wrong.json()["detail"]
    )
    assert ops.get(f"/ops/replays/{uuid.uuid4()}").status_code == 404
    assert ops.get(f"/ops/replays/{earlier.id}").status_code == 404  # not a replay

    promoted = ops.post(
        f"/ops/replays/{replay.id}/promote", data={"csrf": _csrf(page.text)}, follow_redirects=False
    )
    assert promoted.status_code == 303
    db.rollback()  # a fresh snapshot: the ids read above began a transaction (SQLite keeps its snapshot)
    job = db.scalars(select(Job).where(Job.name == "penalties.replay_promote")).one()
    assert job.payload == {"replay_id": str(replay.id)}
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "runs.replay_promoted")).one()
    assert audit.object_id == str(replay.id) and audit.detail["events"] == 2
    again = ops.post(f"/ops/replays/{replay.id}/promote", data={"csrf": _csrf(page.text)})
    assert again.status_code == 409 and "already sent to review" in again.json()["detail"]
    assert 'id="promoted"' in ops.get(f"/ops/replays/{replay.id}").text


def test_a_running_replay_cannot_be_promoted(ops: TestClient, db: Session) -> None:
    replay = _finished_replay(db, [EVENT])
    replay.status = RunStatus.running
    db.commit()
    page = ops.get(f"/ops/replays/{replay.id}")
    assert 'id="promote"' not in page.text
    refused = ops.post(f"/ops/replays/{replay.id}/promote", data={"csrf": _csrf(page.text)})
    assert refused.status_code == 409 and "has not finished" in refused.json()["detail"]


@pytest.mark.parametrize("role", [Role.reviewer, Role.supervisor, Role.exam_officer])
def test_other_staff_are_refused(client: TestClient, db: Session, role: Role) -> None:
    replay = _finished_replay(db, [EVENT])
    db.commit()
    headers = staff_headers(role)
    assert client.get("/ops/replays", headers=headers).status_code == 403
    assert client.get(f"/ops/replays/{replay.id}", headers=headers).status_code == 403
    assert client.post("/ops/replays", headers=headers, data={}).status_code == 403
    assert client.post(f"/ops/replays/{replay.id}/promote", headers=headers, data={}).status_code == 403
    assert client.get("/ops/replays", headers=staff_headers(Role.admin)).status_code == 200


def _frames(video: Path, count: int, width: int = 640) -> list[Any]:
    """The first ``count`` frames decoded one after another (no seeking), scaled to ``width``."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    out = []
    try:
        for _ in range(count):
            ok, image = cap.read()
            assert ok
            height = round(image.shape[0] * width / image.shape[1])
            out.append(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA).astype(int))
    finally:
        cap.release()
    return out


def test_event_frames_are_read_back_from_the_footage(
    ops: TestClient, db: Session, tmp_path: Path, generated_footage
) -> None:
    import cv2
    import numpy as np

    from penalties.runs.runner import footage_sha256

    video = tmp_path / "footage.mp4"
    shutil.copy(generated_footage.video, video)
    sha = footage_sha256(video)
    frames = _frames(video, 150)
    # The frame where the scene changed most over the 4 frames before it: a seek to a neighbour shows.
    at = max(range(4, len(frames)), key=lambda k: float(np.abs(frames[k] - frames[k - 4]).mean()))
    box = [600.0, 400.0, 1000.0, 700.0]
    earlier = _earlier(db, [{**EVENT, "code": "SPEED_20_35", "frame": 12}], sha=sha)
    replay = _finished_replay(db, [{**EVENT, "frame": at, "box": box}], sha=sha)
    replay.source = earlier.source = str(video)
    db.commit()

    page = ops.get(f"/ops/replays/{replay.id}?lang=en&against={earlier.id}")
    shots = re.findall(r'<img class="shot" loading="lazy" width="160" src="([^"]+)"', page.text)
    boxed = f"/ops/replays/{replay.id}/frames/{at}.jpg?box=600.0,400.0,1000.0,700.0"
    # The events table and the diff's added line show the event's frame boxed; the removed line, 12.
    assert shots == [boxed, boxed, f"/ops/replays/{replay.id}/frames/12.jpg"]
    db.rollback()

    got = ops.get(boxed)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    decoded = cv2.imdecode(np.frombuffer(got.content, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    image = decoded.astype(int)
    assert image.shape == frames[at].shape  # 640 wide
    # That frame, not a neighbour (away from the drawn box), and the box drawn in red on it.
    scale = 640 / 1920
    away = np.ones(image.shape[:2], bool)
    away[round(390 * scale) : round(710 * scale), round(590 * scale) : round(1010 * scale)] = False
    error = np.abs(image - frames[at])[away].mean()
    assert error < 4 and error < np.abs(frames[at] - frames[at - 4])[away].mean() / 2
    edge = image[round(550 * scale), round(600 * scale) - 1 : round(600 * scale) + 2]
    assert (edge[:, 2] > 180).any() and (edge[:, 1] < 90).any()
    reads = db.scalars(select(AuditEntry).where(AuditEntry.action == "processing_run.read")).all()
    assert [r.detail["purpose"] for r in reads].count(f"replay frame {at}") == 1
    db.rollback()

    missing = ops.get(f"/ops/replays/{replay.id}/frames/99999.jpg")
    assert missing.status_code == 404 and missing.json()["error"] == "FootageNotFound"
    assert "no frame 99999" in missing.json()["detail"]
    bad_box = ops.get(f"/ops/replays/{replay.id}/frames/{at}.jpg?box=1,2,three,4")
    assert bad_box.status_code == 422 and "box" in bad_box.json()["detail"]
    assert ops.get(f"/ops/replays/{replay.id}/frames/{at}.jpg?box=5,5,1,1").status_code == 422
    with video.open("ab") as fh:  # the file is no longer the one the runs read
        fh.write(b"\0" * 16)
    changed = ops.get(f"/ops/replays/{replay.id}/frames/{at}.jpg")
    assert changed.status_code == 409 and "has changed since the run" in changed.json()["detail"]
    video.unlink()
    gone = ops.get(f"/ops/replays/{replay.id}/frames/{at}.jpg")
    assert gone.status_code == 404 and "no longer there" in gone.json()["detail"]
    headers = staff_headers(Role.reviewer)
    assert ops.get(f"/ops/replays/{replay.id}/frames/12.jpg", headers=headers).status_code == 403
