"""Migrations up and down on a fresh database (SQLite, or a new PostgreSQL schema), and no drift."""

import uuid

from sqlalchemy import inspect, text

from core.db import Base, make_engine
from core.migrate import MIGRATIONS, current_revision, downgrade, drift, head_revision, upgrade
from tests.support.db import fresh_database

NEWEST = max(p.name.split("_")[0] for p in (MIGRATIONS / "versions").glob("0*.py"))


def test_upgrade_downgrade_upgrade_without_drift() -> None:
    with fresh_database("mig") as url:
        engine = make_engine(url)
        try:
            upgrade("head", engine=engine)
            assert current_revision(engine) == head_revision() == NEWEST
            tables = set(inspect(engine).get_table_names())
            assert set(Base.metadata.tables) <= tables
            assert drift(engine) == [], "models and migrations differ: write a migration"

            downgrade("base", engine=engine)
            assert current_revision(engine) is None
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

            upgrade("head", engine=engine)
            assert drift(engine) == []
        finally:
            engine.dispose()


def test_migrated_schema_has_named_constraints(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        insp = inspect(engine)
        assert insp.get_pk_constraint("notices")["name"] == "pk_notices"
        uniques = {u["name"] for u in insp.get_unique_constraints("notices")}
        assert "uq_notices_number" in uniques
        fks = {f["name"] for f in insp.get_foreign_keys("payments")}
        assert "fk_payments_notice_id_notices" in fks
    finally:
        engine.dispose()


def test_0005_keeps_the_note_of_items_escalated_before_it() -> None:
    with fresh_database("mig5") as url:
        engine = make_engine(url)
        try:
            upgrade("0004", engine=engine)
            camera, candidate = uuid.uuid4(), uuid.uuid4()
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO cameras (id, code, name, road, province_code, latitude, longitude, "
                        "speed_limit_kmh, active, created_at, updated_at) VALUES (:id, 'C-1', 'n', 'r', "
                        "'51', 10.7, 106.7, 50, true, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00')"
                    ),
                    {"id": camera.hex if engine.dialect.name == "sqlite" else camera},
                )
                conn.execute(
                    text(
                        "INSERT INTO violation_candidates (id, camera_id, detected_at, violation_code, "
                        "measured, provenance, dedup_key, status, review_note, flags, created_at, "
                        "updated_at) "
                        "VALUES (:id, :camera, '2026-11-01 00:00:00+00', 'RED_LIGHT', '{}', '{}', 'k', "
                        "'escalated', 'is this an ambulance?', '[]', '2026-11-01 00:00:00+00', "
                        "'2026-11-01 00:00:00+00')"
                    ),
                    {
                        "id": candidate.hex if engine.dialect.name == "sqlite" else candidate,
                        "camera": camera.hex if engine.dialect.name == "sqlite" else camera,
                    },
                )
            upgrade("0005", engine=engine)
            with engine.connect() as conn:
                note = conn.execute(text("SELECT escalation_note FROM violation_candidates")).scalar()
            assert note == "is this an ambulance?"
        finally:
            engine.dispose()
