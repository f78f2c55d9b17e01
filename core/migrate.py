"""Alembic, driven from code (``tvp db ...`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from core.config import get_settings
from core.db import Base, get_engine
from core.plugins import load_models

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().resolved_database_url).replace("%", "%%"))
    return cfg


def upgrade(revision: str = "head", engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(revision: str, engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine | None = None) -> str | None:
    with (engine or get_engine()).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def drift(engine: Engine | None = None) -> list[object]:
    """Differences between the models and the migrated schema (empty when they agree)."""
    load_models()
    with (engine or get_engine()).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def head_revision() -> str | None:
    return _scripts().get_current_head()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


class SchemaNotCurrent(RuntimeError):
    """The database is not at the revision this tvp's models need."""


def require_head(engine: Engine | None = None) -> str:
    """The database's revision, if it is this tvp's head; else SchemaNotCurrent saying what to run.

    Commands that use the database check this instead of migrating: several workers starting together
    would race each other's migrations, which belong to ``tvp db upgrade`` (one step of a deploy)."""
    current, head = current_revision(engine), head_revision()
    if current == head and current is not None:
        return current
    if current is not None and current not in {s.revision for s in _scripts().walk_revisions()}:
        raise SchemaNotCurrent(
            f"database schema is at {current}, which this tvp does not know "
            f"(a newer tvp migrated it; this one needs {head}): run a tvp of that version"
        )
    raise SchemaNotCurrent(
        f"database schema is at {current or 'no revision (empty database)'}, this tvp needs {head}: "
        "run `tvp db upgrade`"
    )
