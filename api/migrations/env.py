"""Alembic environment: runs on the connection handed over by ``api.db.migrate.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import api.db.frontdoor  # noqa: F401  (its tables join Base.metadata)
from api.db.models import Base

MIGRATION_LOCK = 7_270_401


def run_migrations_online() -> None:
    """Run migrations on the given connection; PostgreSQL takes an advisory lock first so that
    several server processes starting together migrate once."""
    connection = context.config.attributes["connection"]
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite"
    )
    context.run_migrations()


run_migrations_online()
