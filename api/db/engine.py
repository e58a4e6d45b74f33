"""Engines and sessions: SQLite file by default, PostgreSQL via ``HANDOFF_DATABASE_URL``.

SQLite serialises writers: every transaction starts with ``BEGIN IMMEDIATE`` (WAL journal,
30 s busy timeout), so two requests never interleave their read-check-write steps. PostgreSQL
runs READ COMMITTED and the services take ``SELECT ... FOR UPDATE`` row locks on providers.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_FILE = "handoff.db"


def default_database_url() -> str:
    """``HANDOFF_DATABASE_URL`` when set, else a SQLite file ``handoff.db`` in the working folder."""
    url = os.environ.get("HANDOFF_DATABASE_URL")
    return url or f"sqlite:///{Path(DEFAULT_SQLITE_FILE).resolve()}"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` (default: :func:`default_database_url`) with Handoff's locking set-up."""
    url = url or default_database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size, pool_pre_ping=True)


def autocommit_reads(engine: Engine) -> Engine:
    """For single-statement lookups (token checks): on PostgreSQL the same pool in autocommit, which
    saves the BEGIN and ROLLBACK round trips; SQLite keeps its serialising transactions."""
    return engine if is_sqlite(engine) else engine.execution_options(isolation_level="AUTOCOMMIT")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)
