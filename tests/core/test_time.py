"""The clock: Vietnam's date, and the moved clock of the test runs reaching the `tvp` processes they start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Job
from core.time import vn_today


@pytest.mark.parametrize(
    ("instant", "today"),
    [
        (datetime(2026, 11, 28, 16, 59, 59, tzinfo=UTC), date(2026, 11, 28)),  # 23:59:59 in Vietnam
        (datetime(2026, 11, 28, 17, 0, tzinfo=UTC), date(2026, 11, 29)),  # midnight in Vietnam
    ],
)
def test_vn_today_turns_at_midnight_in_vietnam(instant: datetime, today: date) -> None:
    with time_machine.travel(instant.timestamp(), tick=False):
        assert vn_today() == today


def _canary_created_at(db: Session, database_url: str, env: dict[str, str]) -> datetime:
    tvp = str(Path(sys.executable).parent / "tvp")
    run = subprocess.run(
        [tvp, "jobs", "canary"],
        env={**os.environ, "TVP_DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return db.scalars(select(Job.created_at)).one()


def _test_clock() -> str:
    """What tests/conftest.py exports under scripts/test-clock.sh: the instant, and the real time it was
    (real: this session may itself be on a moved clock)."""
    hatch = time_machine.escape_hatch
    real = hatch.time.time() if hatch.is_travelling() else time.time()
    return f"2001-02-03T04:05:06+00:00@{real}"


def test_tvp_processes_run_on_the_test_clock(db: Session, database_url: str) -> None:
    clock = _test_clock()
    created = _canary_created_at(db, database_url, {"TVP_TEST_CLOCK": clock})
    assert created.date() == date(2001, 2, 3) and created >= datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_the_test_clock_is_ignored_outside_tests(db: Session, database_url: str) -> None:
    created = _canary_created_at(db, database_url, {"TVP_TEST_CLOCK": _test_clock(), "TVP_ENV": "dev"})
    assert created.year > 2001


def test_the_moved_clock_ticks_from_the_moment_the_process_joins_it() -> None:
    """time-machine starts ticking at the first reading; a process that read the time only after a slow
    start (a server importing its models) ran seconds behind the tests that started it."""
    hatch = time_machine.escape_hatch
    real = hatch.time.time() if hatch.is_travelling() else time.time()
    joined_late = (
        "from core.time import follow_test_clock; follow_test_clock()\n"
        "import time; time.sleep(1.5); print(time.time())\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", joined_late],
        env={**os.environ, "TVP_ENV": "test", "TVP_TEST_CLOCK": f"2001-02-03T04:05:06+00:00@{real}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    instant = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC).timestamp()
    assert float(run.stdout) >= instant + 1.5
