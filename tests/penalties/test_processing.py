"""Footage → candidates with evidence in the DB: `tvp process`, `tvp evidence verify`, `tvp replay`,
resuming a killed run, and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.cli import app
from core.config import reset_settings
from penalties.candidates.models import EvidenceItem, EvidenceKind, EvidenceLink, ViolationCandidate
from penalties.runs.models import ProcessingRun, RunKind, RunStatus

EXPECTED = [("SPEED_20_35", "51G12345"), ("RED_LIGHT", "30A99988")]


def tvp(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def candidates(db: Session) -> list[ViolationCandidate]:
    db.rollback()  # see what the command committed
    return list(db.scalars(select(ViolationCandidate).order_by(ViolationCandidate.detected_at)))


@pytest.mark.clockless  # footage at a fixed time; the live run below is stamped by the clock
def test_process_verify_tamper_rerun_and_replay(db: Session, generated_footage, evidence_dir: Path) -> None:
    footage, camera = generated_footage.video, generated_footage.camera
    first = tvp("process", footage, "--camera", camera, "--stride", "3")
    assert first.exit_code == 0, first.output
    found = candidates(db)
    assert [(c.violation_code, c.plate) for c in found] == EXPECTED
    speeding, red = found
    assert 77 <= speeding.measured["speed_kmh"] <= 83 and speeding.measured["limit_kmh"] == 50
    assert red.measured["time_into_red_s"] > 1.5
    assert red.provenance["signal"]["state"] == "red"
    assert red.provenance["camera_config"]["version"] == 1
    kinds = sorted(
        str(i.kind) for i in db.scalars(select(EvidenceItem).where(EvidenceItem.candidate_id == red.id))
    )
    assert kinds == ["clip", "frame", "frame", "manifest", "overlay", "overlay", "plate_crop"]
    links = list(db.scalars(select(EvidenceLink).order_by(EvidenceLink.seq)))
    assert [link.seq for link in links] == [1, 2] and links[1].prev_hash == links[0].link_hash

    ok = tvp("evidence", "verify")
    assert ok.exit_code == 0, ok.output
    assert "2 candidates" in ok.output

    # The same footage again: nothing new.
    again = tvp("process", footage, "--camera", camera, "--stride", "3", "--json")
    assert again.exit_code == 0, again.output
    assert len(candidates(db)) == 2
    timeline = json.loads(again.stdout)["signal"]["signal"]  # the region shorthand's one head
    assert [state for _, state in timeline][-2:] == ["amber", "red"]

    # A replay of the same footage, models and config is identical to the first run.
    run_id = db.scalars(
        select(ProcessingRun.id)
        .where(ProcessingRun.kind == RunKind.process)
        .order_by(ProcessingRun.created_at)
    ).first()
    diff_file = evidence_dir.parent / "diff.json"
    replay = tvp(
        "replay", footage, "--camera", camera, "--stride", "3", "--against", str(run_id), "--out", diff_file
    )
    assert replay.exit_code == 0, replay.output
    diff = json.loads(diff_file.read_text())
    assert diff["identical"] is True and diff["unchanged"] == 2
    assert len(candidates(db)) == 2  # replays create no candidates

    # Tamper with the plate crop of the red-light candidate.
    crop = db.scalars(
        select(EvidenceItem).where(
            EvidenceItem.candidate_id == red.id, EvidenceItem.kind == EvidenceKind.plate_crop
        )
    ).one()
    path = evidence_dir / crop.sha256[:2] / crop.sha256[2:4] / crop.sha256
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    bad = tvp("evidence", "verify")
    assert bad.exit_code == 1
    assert "plate.png" in bad.output and "fails its hash check" in bad.output


def test_replay_reports_what_changed(db: Session, generated_footage, evidence_dir: Path) -> None:
    """A run with different settings (here: full frame rate) is compared event by event."""
    from penalties.runs.replay import diff_events

    before: list[dict[str, Any]] = [
        {
            "code": "RED_LIGHT",
            "at": "2026-11-20T01:30:05.372+00:00",
            "plate": "30A99988",
            "vehicle_class": "car",
            "measured": {"time_into_red_s": 1.77},
        },
        {
            "code": "SPEED_20_35",
            "at": "2026-11-20T01:30:01.44+00:00",
            "plate": "51G12345",
            "vehicle_class": "car",
            "measured": {"speed_kmh": 81.3},
        },
    ]
    after: list[dict[str, Any]] = [
        {**before[0], "at": "2026-11-20T01:30:05.357+00:00", "plate": "30A99989"},
        {
            "code": "NO_STOPPING",
            "at": "2026-11-20T01:30:09+00:00",
            "plate": None,
            "vehicle_class": "car",
            "measured": {},
        },
    ]
    diff = diff_events(before, after)
    assert [e["code"] for e in diff.added] == ["NO_STOPPING"]
    assert [e["code"] for e in diff.removed] == ["SPEED_20_35"]
    assert diff.changed[0]["changes"]["plate"] == {"before": "30A99988", "after": "30A99989"}
    assert not diff.identical


@pytest.mark.clockless
def test_killed_run_resumes_without_losing_or_duplicating(
    db: Session, database_url: str, generated_footage, tmp_path: Path
) -> None:
    env = {**os.environ, "TVP_DATABASE_URL": database_url, "TVP_EVIDENCE_DIR": str(tmp_path / "evidence")}
    cmd = [
        str(Path(sys.executable).parent / "tvp"),
        "process",
        str(generated_footage.video),
        "--camera",
        str(generated_footage.camera),
        "--stride",
        "3",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if candidates(db):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [(c.violation_code, c.plate) for c in candidates(db)] == EXPECTED[:1]
    run = db.scalars(select(ProcessingRun)).one()
    assert run.status is RunStatus.running and run.checkpoint is not None

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resuming run" in done.stderr
    assert [(c.violation_code, c.plate) for c in candidates(db)] == EXPECTED
    db.expire_all()
    run = db.scalars(select(ProcessingRun)).one()
    assert run.status is RunStatus.completed and run.attempts == 2
    assert [e["code"] for e in run.events] == [code for code, _ in EXPECTED]
    assert db.scalar(select(func.count()).select_from(EvidenceLink)) == 2


def test_corrupt_and_truncated_video(
    db: Session, generated_footage, tmp_path: Path, evidence_dir: Path
) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(50_000))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(generated_footage.video.read_bytes()[:400_000])
    for bad in (junk, truncated):
        result = tvp("process", bad, "--camera", generated_footage.camera)
        assert result.exit_code == 2, result.output
        assert "not a readable video" in result.output
    db.rollback()
    runs = list(db.scalars(select(ProcessingRun)))
    assert {r.status for r in runs} == {RunStatus.failed} and all(r.error for r in runs)
    assert candidates(db) == []


def test_camera_file_with_a_wrong_field(db: Session, generated_footage, tmp_path: Path) -> None:
    broken = tmp_path / "camera.yaml"
    broken.write_text(
        generated_footage.camera.read_text().replace("speed_limit_kmh: 50", "speed_limit_kmh: fast")
    )
    result = tvp("process", generated_footage.video, "--camera", broken)
    assert result.exit_code == 2
    assert "camera.location.speed_limit_kmh" in result.output and "line" in result.output


def test_unreachable_stream_gives_a_clear_error(db: Session, generated_footage) -> None:
    result = tvp(
        "camera",
        "run",
        generated_footage.camera,
        "--source",
        "http://127.0.0.1:9/stream.mjpg",
        "--max-attempts",
        "2",
    )
    assert result.exit_code == 2
    assert "unreachable after 2 attempts" in result.output


def test_camera_run_on_a_video_file_stops_at_its_end(
    db: Session, generated_footage, evidence_dir: Path
) -> None:
    """A live run on a file: frames stamped from now on, candidates stored as they come, and the run
    completes at the file's last frame (it used to reopen the file like a dropped stream, forever)."""
    import cv2

    capture = cv2.VideoCapture(str(generated_footage.video))
    length = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    result = tvp(
        "camera",
        "run",
        generated_footage.camera,
        "--source",
        generated_footage.video,
        "--stride",
        "3",
        "--no-motion-gate",
        "--max-frames",
        2 * length,  # only a safety net: a file replayed from the start would run into it
    )
    assert result.exit_code == 0, result.output
    assert f"end of file after {length} frames" in result.output
    found = candidates(db)
    assert sorted((c.violation_code, c.plate) for c in found) == sorted(EXPECTED)
    run = db.scalars(select(ProcessingRun).where(ProcessingRun.kind == RunKind.live)).one()
    assert run.status is RunStatus.completed and run.candidates_created == 2
    assert run.frames_done == length

    stopped = tvp(
        "camera", "run", generated_footage.camera, "--source", generated_footage.video, "--max-frames", 12
    )
    assert stopped.exit_code == 0, stopped.output
    assert "stopped after 12 frames" in stopped.output
    db.rollback()
    runs = list(db.scalars(select(ProcessingRun).where(ProcessingRun.kind == RunKind.live)))
    assert sorted(r.frames_done for r in runs) == [12, length]
    assert {r.status for r in runs} == {RunStatus.completed}


def test_camera_run_source_that_is_neither_url_nor_file(
    db: Session, generated_footage, tmp_path: Path
) -> None:
    result = tvp("camera", "run", generated_footage.camera, "--source", tmp_path / "missing.mp4")
    assert result.exit_code == 2
    assert "is neither a stream URL (rtsp://, http(s)://) nor a video file" in result.output
    db.rollback()
    assert list(db.scalars(select(ProcessingRun))) == []


EXAMPLE_CAMERA = Path(__file__).parents[2] / "examples" / "camera-hcm-q1-001.yaml"


@pytest.fixture
def own_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The commands pointed at a database of their own, fresh and empty."""
    from core.db import reset_engine
    from tests.support.db import fresh_database

    with fresh_database("schema") as url:
        monkeypatch.setenv("TVP_DATABASE_URL", url)
        reset_settings()
        reset_engine()
        yield url
        reset_engine()
        monkeypatch.undo()
        reset_settings()
        reset_engine()


@pytest.mark.parametrize(
    "command",
    [
        ["process", "footage.mp4", "--camera", EXAMPLE_CAMERA],
        ["replay", "footage.mp4", "--camera", EXAMPLE_CAMERA],
        ["camera", "run", EXAMPLE_CAMERA, "--source", "rtsp://127.0.0.1:1/live", "--max-attempts", "1"],
    ],
    ids=["process", "replay", "camera run"],
)
def test_commands_refuse_an_unmigrated_database_and_never_migrate_it(
    own_database: str, command: list[object]
) -> None:
    """Workers starting together must not race each other's migrations: `tvp db upgrade` migrates."""
    from sqlalchemy import inspect

    from core.db import make_engine
    from core.migrate import current_revision, head_revision, upgrade

    engine = make_engine(own_database)
    try:
        result = tvp(*command)
        assert result.exit_code == 2, result.output
        assert (
            f"database schema is at no revision (empty database), this tvp needs {head_revision()}: "
            "run `tvp db upgrade`" in " ".join(result.output.split())
        )
        assert current_revision(engine) is None and inspect(engine).get_table_names() == []

        upgrade("0003", engine=engine)
        behind = tvp(*command)
        assert behind.exit_code == 2, behind.output
        assert f"database schema is at 0003, this tvp needs {head_revision()}" in behind.output
        assert current_revision(engine) == "0003"
    finally:
        engine.dispose()
