"""Job handlers used by the job-engine tests (registered when this module is imported)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy.orm import Session

from core import audit
from core.db import session_scope
from core.jobs import task
from core.jobs.long import LongJob
from core.models import Lease
from core.time import utc_now

calls: Counter[str] = Counter()


@task("tests.record")
def record(session: Session, *, label: str) -> None:
    calls[label] += 1
    audit.record(session, actor=audit.SYSTEM, action="tests.record", object_type="label", object_id=label)


@task("tests.always_fails", max_attempts=3)
def always_fails(session: Session, *, label: str) -> None:
    calls[label] += 1
    audit.record(session, actor=audit.SYSTEM, action="tests.partial", object_type="label", object_id=label)
    raise RuntimeError(f"boom {label}")


@task("tests.flaky", max_attempts=5)
def flaky(session: Session, *, label: str, fail_times: int) -> None:
    calls[label] += 1
    if calls[label] <= fail_times:
        raise ConnectionError("registry timed out")
    audit.record(session, actor=audit.SYSTEM, action="tests.flaky_done", object_type="label", object_id=label)


@task("tests.long_stalls", long=True)
def long_stalls(job: LongJob, *, label: str) -> None:
    """Another worker takes the lease while this one stalls: the next check() must stop it."""
    with session_scope() as session:
        row = session.get_one(Lease, job.lease)
        row.holder = "other-host:3:ghi"
        row.expires_at = utc_now() + timedelta(seconds=30)
    for _ in range(50):
        time.sleep(0.1)
        job.check()
    calls[label] += 1
