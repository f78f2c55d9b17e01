"""Issue 16's scale-out target, with real `tvp worker` processes on RabbitMQ and PostgreSQL: killing one
of three workers (SIGKILL) while three cameras' footage is processing loses no footage and no
candidate, duplicates none, and the killed worker's cameras resume on another worker within 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.models import Job, JobStatus, Lease
from core.plugins import load_tasks
from core.time import utc_now
from detection.span import Span
from penalties.cameras.models import Camera
from penalties.cameras.service import register_config, stored_camera
from penalties.candidates.models import ViolationCandidate
from penalties.runs.footage import start_footage_run
from penalties.runs.models import ProcessingRun, RunKind, RunStatus
from penalties.runs.tasks import footage_lease, queue_footage
from tests.support.broker import AMQP_URL, delete_rabbit_queues, rabbit, rabbit_queue, stop_workers, wait_for
from tests.support.db import postgres_base_url

pytestmark = pytest.mark.broker
CAMERAS = ("SCALE-1", "SCALE-2", "SCALE-3")
STRIDE = 3
TTL_S = 3


@pytest.fixture
def queue_name() -> Iterator[str]:
    name = f"tvp-test-{uuid.uuid4().hex[:8]}"
    rabbit().close()
    yield name
    delete_rabbit_queues(name)


@pytest.fixture
def start_worker(
    database_url: str, queue_name: str, evidence_dir: Path, tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "TVP_DATABASE_URL": database_url,
        "TVP_BROKER_URL": AMQP_URL,
        "TVP_JOBS_QUEUE": queue_name,
        "TVP_JOB_MIN_BACKOFF_MS": "100",
        "TVP_JOB_LEASE_TTL_S": str(TTL_S),
        "TVP_EVIDENCE_DIR": str(evidence_dir),
        "TVP_ORT_THREADS": "1",  # three workers on a small CI box
    }
    tvp = str(Path(sys.executable).parent / "tvp")

    def start() -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{len(procs)}.log", "wb")  # noqa: SIM115 (closed with the process)
        # Two threads: each worker runs one camera's footage and has a thread free to take one over.
        proc = subprocess.Popen([tvp, "worker", "--threads", "2"], env=env, stdout=log, stderr=log)
        procs.append(proc)
        return proc

    yield start
    stop_workers(procs)


def _cameras(footage_dir: Path) -> None:
    """The generated junction as four cameras: three for the workers, one for the reference run."""
    text = (footage_dir / "camera.yaml").read_text()
    with session_scope() as s:
        for code in (*CAMERAS, "SCALE-REF"):
            register_config(s, text.replace("id: GEN-RED-001", f"id: {code}"), actor="test")


def _candidates() -> dict[str, list[tuple[str, str | None, datetime]]]:
    with session_scope(writes=False) as s:
        rows = s.execute(
            select(
                Camera.code,
                ViolationCandidate.violation_code,
                ViolationCandidate.plate,
                ViolationCandidate.detected_at,
            )
            .join(Camera, Camera.id == ViolationCandidate.camera_id)
            .order_by(ViolationCandidate.detected_at)
        ).all()
    found: dict[str, list[tuple[str, str | None, datetime]]] = {}
    for code, rule, plate, at in rows:
        found.setdefault(code, []).append((rule, plate, at))
    return found


def _leases() -> dict[str, Lease]:
    with session_scope(writes=False) as s:
        return {lease.name: lease for lease in s.scalars(select(Lease))}


def _runs() -> dict[str, ProcessingRun]:
    with session_scope(writes=False) as s:
        return {run.camera_code: run for run in s.scalars(select(ProcessingRun))}


def test_killing_one_of_three_workers_loses_and_duplicates_nothing(
    database_url: str,
    clean_db: str,
    generated_footage,
    queue_name: str,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    if postgres_base_url() is None:
        pytest.skip("three worker processes writing footage runs: PostgreSQL only (scripts/test.sh runs it)")
    load_tasks()
    _cameras(generated_footage.video.parent)
    workers = [start_worker() for _ in range(3)]  # they start up while the reference runs
    # The reference: the same footage in this one process.
    with session_scope(writes=False) as s:
        reference = stored_camera(s, "SCALE-REF")
    start_footage_run(
        generated_footage.video,
        reference,
        kind=RunKind.process,
        stride=STRIDE,
        motion_gate=False,
        start=None,
        resume=False,
        span=Span.parse(None, None),
    ).consume()
    expected = _candidates()["SCALE-REF"]
    assert len(expected) == 2  # the speeding car and the red-light runner

    wait_for(
        "three workers on the long-job queue", lambda: rabbit_queue(f"{queue_name}.long")[1] == 3, timeout=60
    )
    jobs: dict[str, uuid.UUID] = {}
    with session_scope() as s:
        for code in CAMERAS:
            loaded = stored_camera(s, code)
            job = queue_footage(
                s,
                generated_footage.video,
                loaded,
                stride=STRIDE,
                motion_gate=False,
                span=Span.parse(None, None),
                start=None,
            )
            jobs[code] = job.id
    with session_scope(writes=False) as s:
        lease_of = {code: footage_lease(s.get_one(Job, jobs[code]).payload) for code in CAMERAS}

    def all_under_way() -> bool:
        runs, held = _runs(), _leases()
        return all(lease_of[c] in held for c in CAMERAS) and all(
            c in runs and runs[c].frames_done >= 50 for c in CAMERAS
        )

    wait_for("every camera's footage under way", all_under_way, timeout=90, every=0.3)
    held = _leases()
    victim = next(w for w in workers if f":{w.pid}:" in held[lease_of["SCALE-1"]].holder)
    survivors = [w for w in workers if w is not victim]
    victims_cameras = [c for c in CAMERAS if f":{victim.pid}:" in held[lease_of[c]].holder]
    assert all(len([c for c in CAMERAS if f":{w.pid}:" in held[lease_of[c]].holder]) == 1 for w in workers), (
        "the broker spread the three footage jobs over the three workers"
    )
    victim.send_signal(signal.SIGKILL)
    killed_at = utc_now()
    victim.wait(10)
    for code in victims_cameras:
        assert _runs()[code].status is RunStatus.running  # killed mid-footage

    def taken_over() -> bool:
        leases = _leases()
        return all(
            lease_of[c] in leases and f":{victim.pid}:" not in leases[lease_of[c]].holder
            for c in victims_cameras
        )

    wait_for("the killed worker's cameras to be taken over", taken_over, timeout=30)
    for code in victims_cameras:
        lease = _leases()[lease_of[code]]
        assert any(f":{w.pid}:" in lease.holder for w in survivors)
        assert (lease.acquired_at - killed_at).total_seconds() < 10  # resumed elsewhere within 10 s

    def all_done() -> bool:
        with session_scope(writes=False) as s:
            return all(s.get_one(Job, jobs[c]).status is JobStatus.done for c in CAMERAS)

    wait_for("all footage to complete", all_done, timeout=120, every=0.5)
    found = _candidates()
    for code in CAMERAS:
        assert found[code] == expected, code  # the same candidates as one process, each once
    runs = _runs()
    for code in CAMERAS:
        assert runs[code].status is RunStatus.completed
        assert runs[code].attempts == (2 if code in victims_cameras else 1)  # resumed, not restarted
    with session_scope(writes=False) as s:
        assert Counter(s.get_one(Job, jobs[c]).attempts for c in victims_cameras) == {2: len(victims_cameras)}


def test_a_live_camera_is_held_by_one_worker_and_taken_over_when_it_dies(
    database_url: str,
    clean_db: str,
    generated_footage,
    queue_name: str,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    """A live camera whose stream is down (no detection cost): one worker holds its lease; SIGKILL that
    worker and the other holds it within 10 s; `stop` then ends it there."""
    from penalties.runs.live import start_live, stop_live

    load_tasks()
    _cameras(generated_footage.video.parent)
    workers = [start_worker() for _ in range(2)]
    wait_for(
        "two workers on the long-job queue", lambda: rabbit_queue(f"{queue_name}.long")[1] == 2, timeout=60
    )
    with session_scope() as s:
        job_id = start_live(
            s,
            "SCALE-1",
            "rtsp://127.0.0.1:9/down",
            stride=2,
            motion_gate=True,
            queue_frames=4,
            max_attempts=None,
            actor="test",
        ).id

    def holder() -> str | None:
        lease = _leases().get("camera:SCALE-1")
        return lease.holder if lease is not None else None

    wait_for("a worker to hold the camera", lambda: holder() is not None, timeout=60, every=0.3)
    victim = next(w for w in workers if f":{w.pid}:" in (holder() or ""))
    survivor = next(w for w in workers if w is not victim)
    victim.send_signal(signal.SIGKILL)
    killed_at = utc_now()
    victim.wait(10)
    wait_for(
        "the other worker to hold the camera", lambda: f":{survivor.pid}:" in (holder() or ""), timeout=30
    )
    assert (_leases()["camera:SCALE-1"].acquired_at - killed_at).total_seconds() < 10

    def new_run() -> bool:  # the killed worker may have died before it began a run: not counted
        runs = _live_runs()
        return bool(runs) and runs[-1].created_at > killed_at

    wait_for("the new holder's live run", new_run, timeout=30, every=0.3)

    with session_scope() as s:
        stop_live(s, "SCALE-1", actor="test")
    wait_for("the camera to stop", lambda: holder() is None, timeout=30, every=0.3)
    newest = _live_runs()[-1]
    assert newest.status is RunStatus.completed  # stopped cleanly on the survivor
    with session_scope(writes=False) as s:
        job = s.get_one(Job, job_id)
        assert job.status is JobStatus.done and job.attempts == 2


def _live_runs() -> list[ProcessingRun]:
    with session_scope(writes=False) as s:
        return list(
            s.scalars(
                select(ProcessingRun)
                .where(ProcessingRun.kind == RunKind.live)
                .order_by(ProcessingRun.created_at)
            )
        )
