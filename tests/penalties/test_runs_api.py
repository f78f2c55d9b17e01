"""Runs for ops over the API (list, one run, its events a page at a time) and the daily pruning of
events that would otherwise grow without bound (live runs, old replays)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Role
from core.time import utc_now
from penalties.runs.models import ProcessingRun, RunEvent, RunKind, RunStatus
from penalties.runs.service import prune_events
from tests.support.factories import staff_headers


def _run(
    db: Session, kind: RunKind, events: int, *, age_days: float = 0, camera: str = "HCM-Q1-001"
) -> uuid.UUID:
    at = utc_now() - timedelta(days=age_days)
    run = ProcessingRun(
        kind=kind,
        status=RunStatus.completed,
        camera_code=camera,
        camera_version=1,
        config_sha256="c" * 64,
        source="footage.mp4",
        footage_sha256="f" * 64,
        options={},
        models={},
        created_at=at,
        finished_at=at,
    )
    db.add(run)
    db.flush()
    for seq in range(events):
        db.add(
            RunEvent(
                run_id=run.id, seq=seq, key=f"k{seq}", data={"code": "RED_LIGHT", "n": seq}, created_at=at
            )
        )
    db.flush()
    return run.id


@pytest.fixture
def ops() -> dict[str, str]:
    return staff_headers(Role.ops)


def test_a_runs_events_come_a_page_at_a_time_in_the_order_found(
    client: TestClient, db: Session, ops: dict[str, str]
) -> None:
    run_id = _run(db, RunKind.live, 7)
    db.commit()
    pages = [
        client.get(f"/api/runs/{run_id}/events", params={"page": p, "size": 3}, headers=ops).json()
        for p in (1, 2, 3)
    ]
    assert [p["total"] for p in pages] == [7, 7, 7]
    assert [[e["data"]["n"] for e in p["items"]] for p in pages] == [[0, 1, 2], [3, 4, 5], [6]]
    one = client.get(f"/api/runs/{run_id}", headers=ops).json()
    assert (one["kind"], one["event_count"]) == ("live", 7)


def test_runs_are_listed_newest_first_and_filtered(
    client: TestClient, db: Session, ops: dict[str, str]
) -> None:
    old = _run(db, RunKind.process, 1, age_days=2, camera="HN-GV-001")
    new = _run(db, RunKind.replay, 2, camera="HN-GV-001")
    _run(db, RunKind.process, 0, camera="OTHER-1")
    db.commit()
    listed = client.get("/api/runs", params={"camera": "HN-GV-001"}, headers=ops).json()
    assert [r["id"] for r in listed["items"]] == [str(new), str(old)]
    assert [r["event_count"] for r in listed["items"]] == [2, 1]
    replays = client.get("/api/runs", params={"kind": "replay"}, headers=ops).json()
    assert [r["id"] for r in replays["items"]] == [str(new)]
    assert client.get("/api/runs", params={"kind": "nonsense"}, headers=ops).status_code == 422


def test_unknown_run_and_refused_roles(client: TestClient, db: Session, ops: dict[str, str]) -> None:
    missing = client.get(f"/api/runs/{uuid.uuid4()}/events", headers=ops)
    assert missing.status_code == 404 and missing.json()["error"] == "RunNotFound"
    assert client.get("/api/runs", headers=staff_headers(Role.reviewer)).status_code == 403
    assert client.get("/api/runs").status_code == 401


def test_pruning_keeps_footage_runs_and_recent_events(db: Session) -> None:
    footage = _run(db, RunKind.process, 3, age_days=400)
    old_live = _run(db, RunKind.live, 4, age_days=100)
    new_live = _run(db, RunKind.live, 2, age_days=1)
    old_replay = _run(db, RunKind.replay, 5, age_days=100)
    new_replay = _run(db, RunKind.replay, 1, age_days=10)
    db.commit()
    assert prune_events(db, now=utc_now(), keep_days=90) == {"live": 4, "replay": 5}
    db.commit()
    left = dict(db.execute(select(RunEvent.run_id, func.count()).group_by(RunEvent.run_id)).all())
    assert left == {footage: 3, new_live: 2, new_replay: 1}
    assert db.get(ProcessingRun, old_live) is not None and db.get(ProcessingRun, old_replay) is not None
