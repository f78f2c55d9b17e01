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
            assert current_revision(engine) == head_revision() == "0004"
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
