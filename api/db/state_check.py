"""Whether a database URL holds a Handoff state a report can read: what is wrong, in words."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from api.db.engine import make_engine
from api.db.migrate import is_current
from api.db.models import Provider


class StateUnusable(Exception):
    """The database cannot serve as a report's ``--state``; the message says why and what to do."""


def _sqlite_has_providers(file: Path, shown: str) -> bool:
    """Whether the SQLite ``file`` has a providers table, looked up read-only: the service's engine
    would switch a foreign file to WAL (a write) before it could tell it is no Handoff database."""
    if file.stat().st_size == 0:
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'providers'")
            return found.fetchone() is not None
    except sqlite3.Error as exc:
        raise StateUnusable(f"cannot read the database at {shown} ({exc}): check --state") from exc


def _check_sqlite_file(database: str, shown: str, create: str) -> None:
    """Refuse a SQLite database that is in memory, has no file (connecting would create an empty
    one) or has no providers table, before anything connects to it."""
    if database in ("", ":memory:"):
        raise StateUnusable(f"no Handoff database at {shown} (an in-memory database is empty): pass the right --state")
    if database.startswith("file:"):
        return
    file = Path(database)
    if not file.is_file():
        raise StateUnusable(f"no Handoff database at {shown} (no file {file.resolve()}): {create}")
    if not _sqlite_has_providers(file, shown):
        raise StateUnusable(f"no Handoff database at {shown} (no providers table): {create}")


def check_state_database(url: str) -> None:
    """Raise :class:`StateUnusable` unless ``url`` is a Handoff database at the newest migration
    with at least one provider. Opened as the service opens it (:func:`api.db.engine.make_engine`),
    after a SQLite file has been looked at read-only; a password in ``url`` is never shown."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StateUnusable(f"--state {url!r} is not a database URL: pass one such as sqlite:///handoff.db") from exc
    shown = parsed.render_as_string(hide_password=True)
    create = f"create it with `handoff db upgrade --database-url {shown}` or pass the right --state"
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(parsed.database or "", shown, create)
    try:
        engine = make_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StateUnusable(f"--state {shown} cannot be opened ({exc}): pass the service's database URL") from exc
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("providers"):
                raise StateUnusable(f"no Handoff database at {shown} (no providers table): {create}")
        if not is_current(engine):
            raise StateUnusable(
                f"the Handoff database at {shown} is not at the newest migration: "
                f"upgrade it with `handoff db upgrade --database-url {shown}`"
            )
        with engine.connect() as connection:
            provider = connection.execute(select(Provider.id).where(Provider.archived.is_(False)).limit(1)).first()
        if provider is None:
            raise StateUnusable(
                f"the Handoff database at {shown} has no providers: import them with "
                f"`handoff providers import FILE --database-url {shown}`, or leave out --state to use the region's files"
            )
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StateUnusable(f"cannot read the database at {shown} ({reason}): check --state") from exc
    finally:
        engine.dispose()
