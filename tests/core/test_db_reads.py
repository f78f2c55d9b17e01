"""core.db.read: a request's reads on a connection of their own, outside any transaction on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core import db as core_db
from core.db import read


def autocommit(connection: Connection) -> bool:
    return bool(getattr(connection.connection.dbapi_connection, "autocommit", None))


def test_a_read_gives_its_connection_back_as_it_found_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """read() runs its statements in autocommit on PostgreSQL (no BEGIN and no ROLLBACK round trips).
    The pool's one connection comes back transactional: the next user's writes are still all or nothing."""
    if not database_url.startswith("postgresql"):
        pytest.skip("autocommit reads are PostgreSQL's (TVP_TEST_DATABASE_URL)")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    monkeypatch.setattr(core_db, "get_engine", lambda: engine)

    def seen(session: Session) -> tuple[bool, int | None]:
        return autocommit(session.connection()), session.scalar(text("SELECT 41 + 1"))

    try:
        assert asyncio.run(read(seen)) == (True, 42)
        with engine.connect() as again:  # the same connection: the pool holds one
            assert autocommit(again) is False
            again.execute(text("CREATE TEMPORARY TABLE read_check (x int)"))
            again.commit()
            again.execute(text("INSERT INTO read_check VALUES (1)"))
            again.rollback()
            assert again.scalar(text("SELECT count(*) FROM read_check")) == 0
    finally:
        engine.dispose()
