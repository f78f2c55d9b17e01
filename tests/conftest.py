"""Test fixtures. The suite runs on a temporary SQLite file by default and on PostgreSQL when
TVP_TEST_DATABASE_URL points at one (each run gets its own schema, dropped at the end)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

_DATA_DIR = Path(tempfile.mkdtemp(prefix="tvp-test-"))
os.environ.update(
    {
        "TVP_ENV": "test",
        "TVP_DATA_DIR": str(_DATA_DIR),
        "TVP_BROKER_URL": "stub://",
        "TVP_JOB_MIN_BACKOFF_MS": "10",
        "TVP_JOB_MAX_BACKOFF_MS": "50",
        "TVP_SCHEDULER_ENABLED": "false",  # tests run the schedules explicitly
        "TVP_CITIZEN_EVENTS_MAX_S": "0",  # a live-update stream ends after its first event (route sweeps)
    }
)
os.environ.pop("TVP_DATABASE_URL", None)

from core.time import follow_test_clock  # noqa: E402

# TVP_TEST_CLOCK=2026-11-28T16:30:00Z runs the whole session (and the `tvp` processes it starts) on a clock
# that starts at that instant and ticks on: scripts/test-clock.sh uses it to run the suite at the hours
# where the Vietnamese, UTC and machine-local dates disagree.
follow_test_clock()

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import delete, insert  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.config import get_settings, reset_settings  # noqa: E402
from core.db import Base, get_engine, get_sessionmaker, reset_engine  # noqa: E402
from core.models import AuditHead  # noqa: E402
from core.plugins import load_models  # noqa: E402
from tests.support.db import fresh_database  # noqa: E402

load_models()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database("main") as url:
        os.environ["TVP_DATABASE_URL"] = url
        reset_settings()
        reset_engine()
        from core.migrate import upgrade

        upgrade()
        yield url
        reset_engine()


def _wipe() -> None:
    # A server or worker process a test started may still be finishing with a job row: on PostgreSQL
    # the wipe can then be the transaction a deadlock aborts (SQLSTATE 40P01); it is safe to run again.
    for attempt in range(5):
        try:
            with get_engine().begin() as conn:
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(delete(table))
                conn.execute(insert(AuditHead).values(id=1, seq=0, last_hash="0" * 64))
            break
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    # Anchors of the wiped chains would make the next test's `verify` report a cut chain.
    shutil.rmtree(get_settings().resolved_anchor_dir, ignore_errors=True)


@pytest.fixture
def clean_db(database_url: str) -> Iterator[str]:
    _wipe()
    yield database_url
    _wipe()


@pytest.fixture
def db(clean_db: str) -> Iterator[Session]:
    """A session on the migrated test database; the test decides when to commit."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def app(clean_db: str):
    from core.app import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def dialect(database_url: str) -> str:
    return get_engine().dialect.name


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


# Computer vision on fixed footage and fixtures: no date there depends on the clock or the machine's zone,
# and no database is touched (scripts/test.sh runs them on SQLite only, at one instant).
CLOCKLESS_DIRS = tuple(Path(__file__).parent / name for name in ("detection", "ocr"))
DATABASE_FIXTURES = {"database_url", "clean_db", "db", "app", "client"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(folder in item.path.parents for folder in CLOCKLESS_DIRS):
            used = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
            if used:
                raise pytest.UsageError(
                    f"{item.nodeid} uses {sorted(used)}: tests under detection/ and ocr/ are clockless "
                    "and run on SQLite only; put a database test elsewhere"
                )
            item.add_marker(pytest.mark.clockless)


def pytest_report_header() -> list[str]:
    url = os.environ.get("TVP_TEST_DATABASE_URL") or "sqlite (temporary file)"
    header = [f"tvp test database: {url.split('@')[-1]}"]
    if os.environ.get("TVP_TEST_CLOCK"):
        from datetime import datetime

        from core.time import VN_TZ

        now = datetime.now().astimezone()
        header.append(
            f"tvp test clock: {now:%Y-%m-%d %H:%M:%S %Z} machine-local (TZ={os.environ.get('TZ', '')}), "
            f"{now.astimezone(VN_TZ):%Y-%m-%d %H:%M} in Vietnam"
        )
    return header


@pytest.fixture
def evidence_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private evidence store folder."""
    monkeypatch.setenv("TVP_EVIDENCE_DIR", str(tmp_path / "evidence"))
    reset_settings()
    yield tmp_path / "evidence"
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data dir (models folder included) for tests that install or convert models."""
    from core.config import reset_settings
    from detection.models import resolve

    monkeypatch.setenv("TVP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TVP_MODELS_DIR", str(tmp_path / "models"))
    reset_settings()
    resolve.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    reset_settings()
    resolve.cache_clear()


@pytest.fixture(scope="session")
def generated_footage(tmp_path_factory: pytest.TempPathFactory):
    """1080p footage from real vehicle photos: a car speeding on green, one running the red, one
    stopping (see detection.footage.standard_scenario)."""
    from detection.footage import Photo, generate, pick_vehicles, standard_scenario
    from tests.support.datasets import labelled

    photos = [Photo(item.image, item.box) for item in labelled("openalpr_us")]
    scenario = standard_scenario()
    picked = pick_vehicles(photos, len(scenario.drives))
    return generate(tmp_path_factory.mktemp("footage"), picked, scenario)
