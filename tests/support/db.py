"""Fresh, isolated databases for tests: a temporary SQLite file, or a new PostgreSQL schema."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def postgres_base_url() -> str | None:
    return os.environ.get("TVP_TEST_DATABASE_URL") or None


@contextmanager
def fresh_database(label: str) -> Iterator[str]:
    base = postgres_base_url()
    if base is None:
        path = Path(tempfile.mkdtemp(prefix=f"tvp-{label}-")) / "tvp.db"
        yield f"sqlite:///{path}"
        return
    schema = f"tvp_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        raise RuntimeError(f"PostgreSQL at {base.split('@')[-1]} is unreachable: {exc}") from exc
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
