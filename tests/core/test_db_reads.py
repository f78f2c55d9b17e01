"""core.db.read: a request's reads on a connection of their own, outside any transaction on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core import db as core_db
from core.db import make_engine, read


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


def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle pooled connection is handed out without a ping; one whose backend PostgreSQL terminated
    (as a restart does) is pinged, dropped and replaced, and the caller never sees the error."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the pool's check is PostgreSQL's (TVP_TEST_DATABASE_URL)")
    engine = make_engine(database_url)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    backend = "SELECT pg_backend_pid()"
    try:
        with engine.connect() as first:
            pid = first.scalar(text(backend))
        with engine.connect() as again:  # the same idle connection, not pinged
            assert again.scalar(text(backend)) == pid and pings == []
            again.commit()  # idle, as a pooled connection is when its server goes
            with engine.connect() as other:  # a second one, while the first is out
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()
        time.sleep(0.2)  # the server's farewell reaches the pooled connection's socket
        with engine.connect() as one, engine.connect() as two:  # the pool's two, one of them replaced
            assert pid not in {one.scalar(text(backend)), two.scalar(text(backend))}
        assert len(pings) == 1
    finally:
        engine.dispose()
