"""Job handlers used by the job-engine tests (registered when this module is imported)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from core import audit
from core.jobs import task

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
