"""Dependencies shared by the routers: a database session per request and the service settings
(:class:`api.settings.Settings`, read once when the app is made).

Dependencies that do no I/O are ``async def``: FastAPI runs them on the event loop instead of
handing each to a worker thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from api.services.region import RegionContext
from api.settings import Settings

T = TypeVar("T")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request; services commit explicitly, anything uncommitted is rolled back.

    Closed when the endpoint function returns, before the response is serialised (``scope=
    "function"``), and on the event loop: a finished request never keeps a transaction (on SQLite
    the write lock) open while its response waits for a worker thread."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


async def get_settings(request: Request) -> Settings:
    """The running service's settings."""
    return request.app.state.settings


async def get_region(request: Request) -> RegionContext:
    """The region the service runs in (boundary and cohorts), possibly unbounded."""
    return request.app.state.region


SessionDep = Depends(get_session, scope="function")
SettingsDep = Depends(get_settings)
RegionDep = Depends(get_region)


async def paging(
    offset: int = Query(0, ge=0, le=1_000_000_000), limit: int = Query(100, ge=1, le=1000)
) -> tuple[int, int]:
    """Query parameters ``offset`` (rows to skip) and ``limit`` (rows per page, 1..1000)."""
    return offset, limit


def closed(session: Session, value: T) -> T:
    """End the request's transaction now (the response is already built in ``value``): the
    response is validated and sent after this, on worker threads, and on SQLite an open
    transaction there would hold the write lock while every worker waits for it."""
    session.close()
    return value


def read_logged(session: Session, actor: str, record_type: str, record_ids: list[str], value: T, **detail) -> T:
    """Write who read which person-level records (:func:`api.services.audit.reads`), commit, and end
    the request's transaction as :func:`closed` does."""
    from api.services import audit

    audit.reads(session, actor, record_type, record_ids, **detail)
    session.commit()
    return closed(session, value)
