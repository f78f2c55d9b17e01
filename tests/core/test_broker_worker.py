"""The job engine with the real RabbitMQ broker and separate `tvp worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.jobs import enqueue
from core.models import AuditEntry, Job, JobStatus
from core.plugins import load_tasks
from tests.support.broker import (
    AMQP_URL,
    REDIS_URL,
    delete_rabbit_queues,
    rabbit,
    redis_client,
    stop_workers,
    wait_for,
)

pytestmark = pytest.mark.broker
_rabbit, _redis, _wait = rabbit, redis_client, wait_for


@pytest.fixture
def broker_url() -> str:
    return AMQP_URL


@pytest.fixture
def queue_name(broker_url: str) -> Iterator[str]:
    name = f"tvp-test-{uuid.uuid4().hex[:8]}"
    if broker_url.startswith("redis"):
        client = _redis()
        yield name
        for key in client.scan_iter(f"dramatiq:{name}*"):
            client.delete(key)
        return
    _rabbit().close()
    yield name
    delete_rabbit_queues(name)


@pytest.fixture
def start_worker(
    database_url: str, queue_name: str, broker_url: str
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "TVP_DATABASE_URL": database_url,
        "TVP_BROKER_URL": broker_url,
        "TVP_JOBS_QUEUE": queue_name,
        "TVP_JOB_MIN_BACKOFF_MS": "100",
        "TVP_JOB_LEASE_TTL_S": "3",
    }
    tvp = str(Path(sys.executable).parent / "tvp")

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [tvp, "worker", "--threads", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        procs.append(proc)
        return proc

    yield start
    stop_workers(procs)


def _job(job_id: uuid.UUID) -> Job:
    with session_scope(writes=False) as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _ready_messages(queue: str) -> int:
    conn = _rabbit()
    try:
        return int(conn.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        conn.close()


def test_killed_worker_job_is_redelivered_and_completes_once(
    clean_db: str, queue_name: str, start_worker: Callable[[], subprocess.Popen[bytes]], db: Session
) -> None:
    load_tasks()
    label = uuid.uuid4().hex[:12]
    with session_scope() as s:
        job_id = enqueue(s, "core.canary", {"label": label, "hold_seconds": 4.0}).id

    first = start_worker()
    _wait("the relay to hand the job to RabbitMQ", lambda: _job(job_id).status is JobStatus.queued)
    _wait("the worker to take the message", lambda: _ready_messages(queue_name) == 0)
    time.sleep(1.5)  # the handler has written its audit row and is holding its transaction open
    assert _job(job_id).status is JobStatus.queued
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    def canary_entries() -> int:
        with session_scope(writes=False) as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "jobs.canary", AuditEntry.object_id == label)
                )
                or 0
            )

    assert canary_entries() == 0  # the killed run's writes were rolled back
    assert _job(job_id).status is JobStatus.queued

    start_worker()
    _wait("the second worker to finish the redelivered job", lambda: _job(job_id).status is JobStatus.done)
    job = _job(job_id)
    assert job.attempts == 1  # only the completed run counts
    assert canary_entries() == 1  # completed exactly once


def test_killed_workers_long_job_is_taken_over_within_its_lease(
    clean_db: str, queue_name: str, start_worker: Callable[[], subprocess.Popen[bytes]]
) -> None:
    """A long job (footage, a camera) keeps what it committed: another worker resumes it a lease's time
    to live after the holder was killed, and every step is written once."""
    from core.models import Lease

    load_tasks()
    label = uuid.uuid4().hex[:12]
    with session_scope() as s:
        job_id = enqueue(s, "core.long_canary", {"label": label, "steps": 12, "step_seconds": 0.5}).id
    first, second = start_worker(), start_worker()

    def steps() -> list[int]:
        with session_scope(writes=False) as s:
            rows = s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "jobs.long_canary", AuditEntry.object_id == label)
                .order_by(AuditEntry.seq)
            )
            return [row.detail["step"] for row in rows]

    def holder() -> str | None:
        with session_scope(writes=False) as s:
            lease = s.get(Lease, f"job:{job_id}")
            return lease.holder if lease is not None else None

    _wait("a few steps", lambda: len(steps()) >= 3)
    running = holder()
    assert running is not None
    victim = first if f":{first.pid}:" in running else second
    survivor = second if victim is first else first
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed_at, written = time.monotonic(), len(steps())
    _wait("the survivor to take the lease", lambda: (holder() or "").split(":")[1:2] == [str(survivor.pid)])
    assert time.monotonic() - killed_at < 10
    _wait("the job to finish", lambda: _job(job_id).status is JobStatus.done, timeout=60)
    assert steps() == list(range(12))  # none lost, none twice
    assert written < 12
    assert _job(job_id).attempts == 2


@pytest.mark.parametrize("broker_url", [AMQP_URL, REDIS_URL], ids=["rabbitmq", "redis"])
def test_job_enqueued_by_the_api_process_runs_in_the_worker(
    clean_db: str, queue_name: str, start_worker: Callable[[], subprocess.Popen[bytes]]
) -> None:
    load_tasks()
    labels = [uuid.uuid4().hex[:12] for _ in range(5)]
    with session_scope() as s:
        ids = [enqueue(s, "core.canary", {"label": label}).id for label in labels]
    start_worker()
    _wait("all jobs done", lambda: all(_job(i).status is JobStatus.done for i in ids))
    with session_scope(writes=False) as s:
        done = set(s.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "jobs.canary")))
    assert done == set(labels)
