"""What an operator runs: part of a recording (--from/--to), and the run as JSON with each event's
track, frame, time in the footage and box — the same shape from process and replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.cli import app
from detection.footage import STOP_LINE_M, Drive, crossing_time
from penalties.candidates.models import ViolationCandidate
from penalties.runs.models import ProcessingRun, RunKind, RunStatus


def tvp(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def candidates_of(db: Session) -> list[ViolationCandidate]:
    db.rollback()
    return list(db.scalars(select(ViolationCandidate).order_by(ViolationCandidate.detected_at)))


def run_json(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.clockless
def test_part_of_the_footage_and_events_as_json(
    db: Session, generated_footage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVP_EVIDENCE_DIR", str(tmp_path / "evidence"))
    from core.config import reset_settings

    reset_settings()
    footage, camera = generated_footage.video, generated_footage.camera
    facts = json.loads(generated_footage.truth.read_text())
    # From 3 s on: the speeding car (0.3 s – about 2.5 s) is cut off; the red-light runner is in.
    args = ("--camera", camera, "--stride", "3", "--from", "00:03", "--to", "f262", "--json")
    first = run_json(tvp("process", footage, *args))
    assert first["kind"] == "process" and first["span"] == ["00:03", "f262"]
    assert first["frames"] == 262
    (red,) = first["events"]
    assert red["code"] == "RED_LIGHT" and red["plate"] == "30A99988"
    crossed = crossing_time(Drive(**facts["drives"][1]), STOP_LINE_M)
    assert crossed is not None and abs(red["time_s"] - crossed) <= 0.15
    assert abs(red["frame"] - crossed * facts["fps"]) <= 3  # stride 3
    assert red["frame"] % 3 == 0 and isinstance(red["track_id"], int)
    x1, y1, x2, y2 = red["box"]
    assert 0 <= x1 < x2 <= 1920 and 0 <= y1 < y2 <= 1080
    db.rollback()
    assert [c.violation_code for c in db.scalars(select(ViolationCandidate))] == ["RED_LIGHT"]
    run = db.scalars(select(ProcessingRun)).one()
    assert run.options["span"] == ["00:03", "f262"] and run.events[0]["box"] == red["box"]

    replayed = run_json(tvp("replay", footage, *args, "--against", run.id))
    assert replayed["kind"] == "replay" and replayed["diff"]["identical"] is True
    assert set(replayed) == set(first) | {"diff"}
    strip = ("key", "candidate_id")
    assert [{k: v for k, v in e.items() if k not in strip} for e in replayed["events"]] == [
        {k: v for k, v in e.items() if k not in strip} for e in first["events"]
    ]
    db.rollback()
    assert {r.kind for r in db.scalars(select(ProcessingRun))} == {RunKind.process, RunKind.replay}

    # A position that is neither a time nor a frame is refused before anything runs.
    bad = tvp("process", footage, "--camera", camera, "--from", "soon")
    assert bad.exit_code == 2 and "neither a time" in bad.output
    reset_settings()


BENCH_CAMERAS = Path(__file__).resolve().parents[2] / "bench" / "cameras"


@pytest.mark.clockless
def test_run_killed_on_busy_real_footage_resumes_in_flight(
    db: Session, database_url: str, tmp_path: Path
) -> None:
    """Ly Thuong Kiet × Hang Bai, frames 90–220: vehicles in view on every frame (no quiet frame to
    resume from) and riders entering the junction on red. Killed mid-run with vehicles in flight, the
    resumed run ends with the events of an uninterrupted replay, each recorded once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.support.datasets import real_clip

    clip = real_clip("hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4")
    camera = BENCH_CAMERAS / "hanoi-ltk-hang-bai.yaml"
    env = {**os.environ, "TVP_DATABASE_URL": database_url, "TVP_EVIDENCE_DIR": str(tmp_path / "evidence")}
    cmd = [str(Path(sys.executable).parent / "tvp"), "process", str(clip), "--camera", str(camera)]
    cmd += ["--from", "f90", "--to", "f220"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            db.rollback()
            run = db.scalars(select(ProcessingRun)).first()
            checkpoint = run.checkpoint if run else None
            if (
                run
                and checkpoint
                and checkpoint.get("in_flight")
                and run.events
                and checkpoint["frame"] > 150
            ):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    db.rollback()
    killed = db.scalars(select(ProcessingRun)).one()
    assert killed.checkpoint is not None
    stopped_at, in_flight = killed.checkpoint["frame"], killed.checkpoint["in_flight"]
    assert killed.status is RunStatus.running and in_flight >= 1

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"from frame {stopped_at} with {in_flight} vehicles in flight" in " ".join(done.stderr.split())
    replay = subprocess.run(
        [cmd[0], "replay", *cmd[2:], "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert replay.returncode == 0, replay.stderr
    uninterrupted = json.loads(replay.stdout)["events"]
    db.rollback()
    db.expire_all()
    run = db.scalars(select(ProcessingRun).where(ProcessingRun.kind == RunKind.process)).one()
    assert run.status is RunStatus.completed and run.attempts == 2

    def facts(events: list[dict]) -> list[tuple]:
        return sorted((e["code"], e["at"], e["frame"], e["track_id"], e["plate"]) for e in events)

    assert len(uninterrupted) >= 3 and facts(run.events) == facts(uninterrupted)
    found = candidates_of(db)  # one candidate per event, none twice
    assert len(found) == len(uninterrupted)
    assert {e["candidate_id"] for e in run.events} == {str(c.id) for c in found}
