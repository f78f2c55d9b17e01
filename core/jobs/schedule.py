"""Periodic jobs (a small cron): each schedule enqueues its task once per time slot.

The job's key is ``name@slot``, so any number of workers running the scheduler enqueue it once; the
job itself then runs through the normal outbox, with retries and dead letters.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import session_scope
from core.jobs import TASKS, enqueue
from core.models import Job
from core.time import utc_now

logger = logging.getLogger(__name__)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    task: str
    every: timedelta
    offset: timedelta = timedelta(0)  # e.g. every day at 01:00 UTC: every=1 day, offset=1 h

    def slot(self, now: datetime) -> datetime:
        """The start of the slot ``now`` is in."""
        n = (now - EPOCH - self.offset) // self.every
        return EPOCH + self.offset + n * self.every


SCHEDULES: dict[str, Schedule] = {}


def periodic(
    every: timedelta, *, offset: timedelta = timedelta(0)
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Run the decorated task (already registered with ``@task``) every ``every``."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        name = next((n for n, spec in TASKS.items() if spec.fn is fn), None)
        if name is None:
            raise ValueError(f"{fn.__qualname__}: put @periodic above @task")
        SCHEDULES[name] = Schedule(name, every, offset)
        return fn

    return register


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every schedule's job for the current slot, once; the keys enqueued now."""
    now = now or utc_now()
    made = []
    for schedule in SCHEDULES.values():
        key = f"{schedule.task}@{schedule.slot(now).isoformat()}"
        try:
            with session_scope() as session:
                if session.scalar(select(Job.id).where(Job.key == key)) is not None:
                    continue
                enqueue(session, schedule.task, {"at": schedule.slot(now).isoformat()}, key=key)
            made.append(key)
        except IntegrityError:  # another scheduler got there first
            continue
    return made


class Scheduler(threading.Thread):
    def __init__(self, interval: float = 30.0):
        super().__init__(name="tvp-scheduler", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                for key in enqueue_due():
                    logger.info("scheduled %s", key)
            except Exception:  # DB down: try again next tick
                logger.exception("scheduler could not enqueue; retrying in %.0fs", self.interval)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
