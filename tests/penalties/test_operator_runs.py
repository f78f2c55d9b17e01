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
from penalties.models import ProcessingRun, RunKind, ViolationCandidate


def tvp(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


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
