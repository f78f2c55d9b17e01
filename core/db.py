"""Engine, declarative base and the session helpers.

The request (``get_session``) or the job (``session_scope``) owns the transaction; services only flush.
"""

from __future__ import annotations

import asyncio
import select
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from core.config import get_settings
from core.time import utc_now

T = TypeVar("T")
IMMEDIATE = "tvp_sqlite_immediate"
NOWAIT = "tvp_nowait"  # a lock that is not free at once fails the transaction instead of waiting
BUSY_TIMEOUT_MS = 30_000
# Connections kept open per process, and opened beyond them at a peak (closed again when returned).
# The pool keeps room for every request slot (half of both, ``request_slots``) and the audit writer:
# an overflow connection is a new PostgreSQL backend per request, which cost more than the request.
POOL_SIZE, POOL_OVERFLOW = 12, 8
READS_TO_AUDIT = "tvp.reads_to_audit"  # session.info: a request's reads, audited after its commit
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores timezone-aware datetimes as UTC; refuses naive ones; always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class UUIDPk:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


def enum_column(enum_cls: Any, **kwargs: Any) -> Any:
    """A string column holding a StrEnum's values (portable; no native DB enum types)."""
    from sqlalchemy import Enum

    return mapped_column(
        Enum(enum_cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]),
        **kwargs,
    )


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

    @event.listens_for(engine, "checkout")
    def _unless_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        """A pooled connection's check at checkout, instead of a ping round trip at every one
        (``pool_pre_ping``): an idle connection has nothing to read, and one the server closed (a restart,
        a terminated backend, an idle timeout) has its farewell and the end of the stream. Only one with
        something to read is pinged; when that fails, the pool drops it and opens another."""
        if not dbapi_connection.closed and not select.select([dbapi_connection.fileno()], [], [], 0)[0]:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"the server closed the connection: {exc}") from exc

    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take control of it
    # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL" for pysqlite).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a read-then-write transaction in WAL mode could
        # otherwise fail at once with "database is locked" instead of waiting its turn.
        options = conn.get_execution_options()
        conn.exec_driver_sql(f"PRAGMA busy_timeout={0 if options.get(NOWAIT) else BUSY_TIMEOUT_MS}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")


@lru_cache
def get_engine() -> Engine:
    url = get_settings().resolved_database_url
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def reset_engine() -> None:
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


@contextmanager
def session_scope(*, writes: bool = True, wait: bool = True) -> Iterator[Session]:
    """A unit of work for jobs and scripts: commit on success, roll back on error.

    ``writes`` (on SQLite) queues the transaction behind other writers from its start. ``wait=False``
    is for best-effort writes made while the caller may itself hold the lock (a request's own write
    session on SQLite, a row it locked on PostgreSQL): a lock not free at once raises
    sqlalchemy.exc.OperationalError instead of waiting for ourselves.
    """
    session = get_sessionmaker()()
    try:
        if _connects_at_begin(writes=writes, wait=wait):
            options = {IMMEDIATE: writes, NOWAIT: not wait}
            connection = session.connection(execution_options=options)
            if not wait and connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL lock_timeout = '100ms'")
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _connects_at_begin(*, writes: bool, wait: bool) -> bool:
    """Whether session_scope's start talks to the database: SQLite's write transactions begin with
    BEGIN IMMEDIATE and a no-wait one sets its busy timeout; PostgreSQL connects at the first statement
    (only a no-wait transaction sets its lock timeout first)."""
    return not wait or (writes and get_engine().dialect.name == "sqlite")


_request_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def request_slots() -> int:
    """How many requests of one process hold a database session at once: half the connection pool, as
    a request may take a second connection of its own (a staff session's lookup, a best-effort write)."""
    pool = get_engine().pool
    size = pool.size() + pool._max_overflow if isinstance(pool, QueuePool) else 10
    return max(1, size // 2)


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _request_slots:
        _request_slots[loop] = asyncio.Semaphore(request_slots())
    return _request_slots[loop]


@asynccontextmanager
async def _request_session(writes: bool) -> AsyncIterator[Session]:
    """A request's session, once one of the process's request slots is free. The wait is in the event
    loop, not in a worker thread: requests that waited for a pooled connection in a thread used to take
    every thread (40), while those holding the connections waited for a thread to commit in (more than
    40 requests at once on one worker: 30 s, then "QueuePool limit reached" and a 500 for all of them).

    The reads the request audits (core.audit.record_read) are appended to the audit chain after its
    commit, in a batch with other requests' reads (core/audit_reads.py), before the answer is sent."""
    async with _slots():
        scope = session_scope(writes=writes)
        if _connects_at_begin(writes=writes, wait=True):
            session = await run_in_threadpool(scope.__enter__)
        else:  # no I/O: no worker thread needed
            session = scope.__enter__()
        reads = session.info[READS_TO_AUDIT] = []
        try:
            yield session
        except BaseException as exc:
            await run_in_threadpool(scope.__exit__, type(exc), exc, exc.__traceback__)
            raise
        await run_in_threadpool(scope.__exit__, None, None, None)
    if reads:
        from core.audit_reads import audited

        await audited(reads)


def _read_with(fn: Callable[[Session], T]) -> tuple[T, list[Any]]:
    with get_engine().connect() as connection:
        if connection.dialect.name == "postgresql":  # no BEGIN, no ROLLBACK: two round trips fewer
            connection.execution_options(isolation_level="AUTOCOMMIT")
        with Session(bind=connection) as session:
            reads = session.info[READS_TO_AUDIT] = []
            return fn(session), reads


async def read(fn: Callable[[Session], T]) -> T:
    """``fn`` with a session for reads only: in one worker-thread hop (once one of the process's request
    slots is free), on a connection that reads committed data statement by statement (autocommit on
    PostgreSQL: no transaction to begin or end). The reads it audits (core.audit.record_read) are
    appended to the audit chain before this returns, as a request session's are."""
    async with _slots():
        found, reads = await run_in_threadpool(_read_with, fn)
    if reads:
        from core.audit_reads import audited

        await audited(reads)
    return found


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency (use with scope="function" so the commit happens before the response)."""
    async with _request_session(request.method not in ("GET", "HEAD", "OPTIONS")) as session:
        yield session


async def get_write_session() -> AsyncIterator[Session]:
    """Like get_session, for reads that write an audit record (on SQLite it queues behind writers)."""
    async with _request_session(True) as session:
        yield session
