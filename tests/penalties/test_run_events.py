"""A run's events, one row each: a resumed run reads its events and known keys from the table, and
an event found again is not stored twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from detection.camera import ProcessorOptions, ViolationEvent
from detection.rules.base import Finding
from detection.vehicles import VehicleClass
from penalties.cameras.config import load_camera
from penalties.runs.events import event_counts, record_run_events
from penalties.runs.models import ProcessingRun, RunEvent, RunKind, RunStatus
from penalties.runs.runner import Runner

CAMERA = Path(__file__).parents[2] / "examples" / "camera-hcm-q1-001.yaml"
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def violation(code: str, second: int) -> ViolationEvent:
    finding = Finding(code=code, track_id=second, at=T0 + timedelta(seconds=second), measured={})
    return ViolationEvent(
        camera_id="HCM-Q1-001",
        finding=finding,
        vehicle_class=VehicleClass.car,
        plate=None,
        plate_crop=None,
        frames=[],
        clip=[],
        signal=None,
        provenance={},
    )


def runner() -> Runner:
    """A replay run (it records events, no candidates) of the same footage: resumes an unfinished one."""
    pipeline: Any = SimpleNamespace(vehicles=None, provenance={})
    return Runner(
        load_camera(CAMERA),
        pipeline,
        ProcessorOptions(),
        kind=RunKind.replay,
        source="footage.mp4",
        footage_sha256="f" * 64,
        store=SimpleNamespace(),  # type: ignore[arg-type]
    )


def rows(db: Session) -> list[tuple[int, str]]:
    db.rollback()
    return [
        (r.seq, r.finding)
        for r in db.execute(
            select(RunEvent.seq, RunEvent.data["code"].as_string().label("finding")).order_by(RunEvent.seq)
        )
    ]


def test_a_resumed_run_reads_its_events_from_the_table_and_stores_none_twice(db: Session) -> None:
    first = runner()
    first._save([violation("RED_LIGHT", 1), violation("SPEEDING", 2)], None)
    first._finish(RunStatus.interrupted, "interrupted")
    assert rows(db) == [(0, "RED_LIGHT"), (1, "SPEEDING")]

    resumed = runner()
    assert resumed.run_id == first.run_id
    assert [e["code"] for e in resumed.resumed_events] == ["RED_LIGHT", "SPEEDING"]
    assert resumed.progress.events == first.progress.events
    # The second event found again (the footage re-read from before it), then a new one.
    resumed._save([violation("SPEEDING", 2), violation("WRONG_LANE", 3)], None)
    assert rows(db) == [(0, "RED_LIGHT"), (1, "SPEEDING"), (2, "WRONG_LANE")]
    assert [e["code"] for e in resumed.progress.events] == ["RED_LIGHT", "SPEEDING", "WRONG_LANE"]
    run = db.get_one(ProcessingRun, first.run_id)
    assert [e["code"] for e in run.events] == ["RED_LIGHT", "SPEEDING", "WRONG_LANE"]
    assert event_counts(db, [run.id]) == {run.id: 3}


def test_a_duplicate_key_is_not_stored_twice(db: Session) -> None:
    run = ProcessingRun(
        kind=RunKind.process, camera_code="C", camera_version=1, config_sha256="0" * 64, source="f.mp4"
    )
    db.add(run)
    db.flush()
    a, b = {"code": "RED_LIGHT", "key": "C:a"}, {"code": "SPEEDING", "key": "C:b"}
    assert record_run_events(db, run.id, [a, a, b]) == [a, b]
    assert record_run_events(db, run.id, [b, {"code": "RED_LIGHT", "key": "C:a", "plate": "other"}]) == []
    db.flush()
    assert [(r.seq, r.key) for r in db.scalars(select(RunEvent).order_by(RunEvent.seq))] == [
        (0, "C:a"),
        (1, "C:b"),
    ]


def test_the_table_refuses_a_key_twice_and_looks_keys_up_by_run(db: Session) -> None:
    uniques = {tuple(u["column_names"]) for u in inspect(db.get_bind()).get_unique_constraints("run_events")}
    assert ("run_id", "key") in uniques


class _QuietProcessor:
    """Finds nothing; its in-flight state is empty (what a checkpoint saves)."""

    camera_id = "HCM-Q1-001"
    live_tracks = 0
    last_quiet = None

    def feed(self, frame: Any) -> list[ViolationEvent]:
        return []

    def flush(self) -> list[ViolationEvent]:
        return []

    def in_flight(self) -> dict[str, Any]:
        return {}

    def needs_from(self) -> None:
        return None


def test_a_run_saves_its_last_frame_and_the_frames_its_queue_dropped(db: Session) -> None:
    from detection.sources import Frame

    run = runner()
    run.processor = _QuietProcessor()  # type: ignore[assignment]
    image = np.zeros((4, 4, 3), np.uint8)
    frames = [Frame("HCM-Q1-001", i, T0 + timedelta(seconds=i), image) for i in range(7)]
    dropped = iter(range(0, 100, 3))
    run.consume(frames, dropped=lambda: next(dropped))
    db.rollback()
    saved = db.get_one(ProcessingRun, run.run_id)
    # Saved every CHECKPOINT_EVERY_S of footage (frames 0, 2, 4, 6 here) and at the end.
    assert saved.status is RunStatus.completed and saved.frames_done == 7
    assert saved.last_frame_at == T0 + timedelta(seconds=6)
    assert saved.frames_dropped == 12  # the fifth reading: four saves with a frame, then the end
    quiet = runner()  # another run of the same footage, not live: nothing dropped, never asked
    db.rollback()
    assert db.get_one(ProcessingRun, quiet.run_id).frames_dropped == 0
