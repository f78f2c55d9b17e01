"""Migrations up and down on a fresh database (SQLite, or a new PostgreSQL schema), and no drift."""

import pytest
from sqlalchemy import inspect, text

from core.db import Base, make_engine
from core.migrate import (
    SchemaNotCurrent,
    current_revision,
    downgrade,
    drift,
    head_revision,
    require_head,
    upgrade,
)
from tests.support.db import fresh_database


def test_upgrade_downgrade_upgrade_without_drift() -> None:
    with fresh_database("mig") as url:
        engine = make_engine(url)
        try:
            upgrade("head", engine=engine)
            assert current_revision(engine) == head_revision() == "0005"
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


def test_require_head_says_what_to_run() -> None:
    with fresh_database("head") as url:
        engine = make_engine(url)
        try:
            with pytest.raises(SchemaNotCurrent, match=r"empty database\), this tvp needs .*tvp db upgrade"):
                require_head(engine)
            upgrade("0002", engine=engine)
            with pytest.raises(SchemaNotCurrent, match=f"is at 0002, this tvp needs {head_revision()}"):
                require_head(engine)
            upgrade("head", engine=engine)
            assert require_head(engine) == head_revision()
            with engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            with pytest.raises(SchemaNotCurrent, match="at 9999, which this tvp does not know"):
                require_head(engine)
        finally:
            engine.dispose()


def test_0005_stores_the_detectors_motorcycle_as_motorbike() -> None:
    """Candidates and run events from before the one vocabulary are renamed (and back on downgrade)."""
    from sqlalchemy.orm import Session

    from penalties.models import ProcessingRun, RunKind, ViolationCandidate
    from tests.support.factories import make_candidate

    lane = {"lane": "lane-1", "vehicle_class": "motorcycle", "allowed": ["car", "bus", "truck"]}
    with fresh_database("vocab") as url:
        engine = make_engine(url)
        try:
            upgrade("0004", engine=engine)
            with Session(engine) as session:
                bike = make_candidate(session, vehicle_class="motorcycle", code="WRONG_LANE")
                bike.measured = lane
                car = make_candidate(session, vehicle_class="car")
                run = ProcessingRun(
                    kind=RunKind.process,
                    camera_code="HCM-Q1-001",
                    camera_version=1,
                    config_sha256="0" * 64,
                    source="footage.mp4",
                    events=[
                        {"code": "WRONG_LANE", "vehicle_class": "motorcycle", "measured": lane},
                        {"code": "RED_LIGHT", "vehicle_class": "car", "measured": {"time_into_red_s": 1.2}},
                    ],
                )
                session.add(run)
                session.commit()
                ids = bike.id, car.id, run.id

            def stored() -> tuple[object, ...]:
                with Session(engine) as session:
                    b = session.get_one(ViolationCandidate, ids[0])
                    c = session.get_one(ViolationCandidate, ids[1])
                    r = session.get_one(ProcessingRun, ids[2])
                    return b.vehicle_class, b.measured, c.vehicle_class, r.events

            upgrade("head", engine=engine)
            bike_class, measured, car_class, events = stored()
            assert (bike_class, car_class) == ("motorbike", "car")
            assert measured == {**lane, "vehicle_class": "motorbike"}
            assert events == [
                {"code": "WRONG_LANE", "vehicle_class": "motorbike", "measured": measured},
                {"code": "RED_LIGHT", "vehicle_class": "car", "measured": {"time_into_red_s": 1.2}},
            ]

            downgrade("0004", engine=engine)
            bike_class, measured, car_class, events = stored()
            assert (bike_class, car_class, measured) == ("motorcycle", "car", lane)
            assert events == [
                {"code": "WRONG_LANE", "vehicle_class": "motorcycle", "measured": lane},
                {"code": "RED_LIGHT", "vehicle_class": "car", "measured": {"time_into_red_s": 1.2}},
            ]
        finally:
            engine.dispose()
