"""Fixtures for the API tests: a fresh database per test on SQLite and on PostgreSQL, users of
every role with their tokens, and a few providers. PostgreSQL tests get their own schema
(dropped afterwards) in the ``test`` database; they skip when the server is unreachable."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from tests.api.helpers import Api, make_users

warnings.filterwarnings("ignore", message=".*httpx2.*")

POSTGRES_URL = os.environ.get("HANDOFF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_reachable: dict[str, bool] = {}


def postgres_reachable() -> bool:
    """True when the test PostgreSQL server answers (checked once)."""
    if "pg" not in _reachable:
        try:
            engine = create_engine(POSTGRES_URL)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _reachable["pg"] = True
        except Exception:
            _reachable["pg"] = False
    return _reachable["pg"]


def fresh_postgres_schema() -> tuple[str, str]:
    """Create an empty schema; returns (schema name, URL whose search_path is that schema)."""
    if not postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = f"handoff_t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in POSTGRES_URL else "?"
    return schema, f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


def drop_postgres_schema(schema: str) -> None:
    """Drop a schema made by :func:`fresh_postgres_schema`."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL schema's URL (dropped after the test)."""
    schema, url = fresh_postgres_schema()
    yield url
    drop_postgres_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Each test runs once on a SQLite file and once on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'handoff.db'}"
        return
    schema, url = fresh_postgres_schema()
    yield url
    drop_postgres_schema(schema)


@contextmanager
def api_on(url: str) -> Iterator[Api]:
    """The app on the fresh database ``url``, started through its lifespan (migrations, sweeper)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(url)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Api(client, app, make_users(app.state.sessions))


@pytest.fixture
def api(database_url):
    """The app on a fresh database (SQLite, then PostgreSQL), started through its lifespan."""
    with api_on(database_url) as app:
        yield app


@pytest.fixture
def pg_api(postgres_url):
    """The app on a fresh PostgreSQL schema only (for what only PostgreSQL does, such as row locks that wait)."""
    with api_on(postgres_url) as app:
        yield app
