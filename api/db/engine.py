"""Engines and sessions for a database URL (``Settings.database``: a SQLite file by default,
PostgreSQL via ``HANDOFF_DATABASE_URL``).

SQLite serialises writers: every transaction that may write starts with ``BEGIN IMMEDIATE`` (WAL
journal, 120 s busy timeout), so two requests never interleave their read-check-write steps;
read-only lookups use deferred ``BEGIN`` and read a WAL snapshot without waiting. PostgreSQL
runs READ COMMITTED and the services take ``SELECT ... FOR UPDATE`` row locks on providers.
Pooled PostgreSQL connections are not pinged before use (a round trip on every request): after a
database restart the first request on a dead connection answers 503 (retry) and SQLAlchemy then
drops every connection of that pool, so the next request reconnects.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_SECONDS = 120
SQLITE_POOL = 20


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    read_only = connection.get_execution_options().get("handoff_read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for the SQLAlchemy ``url`` with Handoff's locking set-up."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False},
            pool_size=SQLITE_POOL,
            max_overflow=SQLITE_POOL,
            pool_timeout=BUSY_SECONDS,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size)


def autocommit_reads(engine: Engine) -> Engine:
    """For reads that write nothing (token checks, snapshots): on PostgreSQL the same pool in
    autocommit, which saves the BEGIN and ROLLBACK round trips; on SQLite plain deferred ``BEGIN``
    transactions, which read a WAL snapshot without waiting for the write lock."""
    if is_sqlite(engine):
        return engine.execution_options(handoff_read_only=True)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)
