"""The FastAPI application: ``create_app(database_url=None, region_dir=None, *, settings=None)``.

Its configuration is one :class:`api.settings.Settings` (read from ``HANDOFF_*`` once, when the app
is made without one), kept in ``app.state.settings``.

On start it migrates the database (Alembic, to head), loads the region when given (boundary and
cohorts), expires overdue holds once and starts the background sweeper that keeps doing so.
Requests run on 4 worker threads per process and the rest wait in the server's first-come queue:
on SQLite, which has one writer at a time, rather than in SQLite's busy loop (which is not
first-come); on PostgreSQL because more threads only contend for the interpreter lock (at 32
clients a placement request cost ~24 ms of server CPU on 40 threads, ~17 ms on 4).
Placement requests go to the desk process when ``settings.desk_socket`` names one (what
``handoff serve --workers N`` starts; :mod:`api.desk_server`), else, or while it cannot be reached,
to the process's own placement desk (:mod:`api.services.desk`, one thread, started and stopped
with the app). A desk serves the requests waiting at the same time together.
The web console (:mod:`api.web`) serves pages under ``/console`` on the same services.
``/healthz`` answers while the process lives; ``/readyz`` once the database is reachable, at the
newest migration and the first sweep is done.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi_offline import FastAPIOffline
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from api.db.engine import autocommit_reads, make_engine, make_sessionmaker
from api.db.migrate import is_current, upgrade
from api.desk_server import RemoteDesk, tune_gc
from api import openapi_links
from api.errors import BodySizeLimit, Problem, install_error_handlers
from api.routers import (
    frontdoor,
    imports,
    oversight,
    participants,
    placements,
    providers,
    referrals,
    reports,
    waitlists,
)
from api.services.desk import Desk
from api.services.holds import expire_holds
from api.services.region import load_region_context
from api.settings import Settings
from api.web import install_console
from scenarios.frontdoor.travel import warm_up

log = logging.getLogger("handoff.api")
WORKER_THREADS = 4
PROBLEM_RESPONSES = {
    code: {"model": Problem, "content": {"application/problem+json": {}}, "description": description}
    for code, description in [
        (400, "Body is not valid JSON or not UTF-8"),
        (401, "Missing or unknown bearer token"),
        (403, "Role not allowed"),
        (404, "Unknown id"),
        (409, "Conflicts with the current state"),
        (413, "Body too large"),
        (422, "Request not valid"),
    ]
}


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    database: str = ""


def _sweeper(app: FastAPI, stop: threading.Event) -> None:
    while not stop.wait(app.state.settings.sweep_seconds):
        try:
            expire_holds(app.state.sessions)
        except Exception:
            log.exception("hold sweeper failed; retrying next period")


@asynccontextmanager
async def _lifespan(app: FastAPI):
    state = app.state
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    upgrade(state.engine)
    expire_holds(state.sessions)
    state.desk = Desk(state.sessions, state.lookups, placements.budget(state.settings), state.region)
    state.desk.start()
    socket = state.settings.desk_socket
    state.remote_desk = RemoteDesk(socket) if socket else None
    threading.Thread(target=warm_up, args=(state.region.folder,), name="handoff-street-warm-up", daemon=True).start()
    state.ready = True
    stop = threading.Event()
    thread = threading.Thread(target=_sweeper, args=(app, stop), name="handoff-hold-sweeper", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        if state.remote_desk is not None:
            await state.remote_desk.close()
        state.desk.stop()
        state.engine.dispose()


def create_app(
    database_url: str | None = None, region_dir: str | Path | None = None, *, settings: Settings | None = None
) -> FastAPI:
    """The Handoff API with ``settings`` (default: read from ``HANDOFF_*`` now); ``database_url``
    and ``region_dir``, when given, override theirs (no region: any lon/lat accepted)."""
    settings = (settings or Settings.from_env()).model_copy(
        update={
            name: value
            for name, value in (("database_url", database_url), ("region_dir", region_dir))
            if value is not None
        }
    )
    app = FastAPIOffline(
        title="Handoff placement service",
        version="1.0.0",
        lifespan=_lifespan,
        swagger_ui_parameters={"validatorUrl": None},
        description="Coordinators request placements for LEAD participants; the matcher holds "
        "slots without bumping anyone on a wait list and explains every answer. "
        "Authenticate with `Authorization: Bearer TOKEN` (`handoff users add`). "
        "Every error is RFC 9457 problem details.",
        responses=PROBLEM_RESPONSES,
    )  # /docs and /redoc from the package's own files, no CDN
    app.state.settings = settings
    app.state.engine = make_engine(settings.database)
    app.state.sessions = make_sessionmaker(app.state.engine)
    app.state.lookups = make_sessionmaker(autocommit_reads(app.state.engine))
    app.state.region = load_region_context(settings.region_dir)
    app.state.ready = False
    install_error_handlers(app)
    openapi_links.install(app)
    app.add_middleware(BodySizeLimit)
    for module in (imports, providers, waitlists, participants, placements, oversight, reports, referrals, frontdoor):
        app.include_router(module.router, prefix="/v1")
    install_console(app)

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness")
    def healthz() -> Health:
        """The process answers."""
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Health,
        tags=["health"],
        summary="Readiness",
        responses={503: {"model": Health, "description": "Not ready yet"}},
    )
    def readyz(request: Request):
        """Ready when the database answers, is at the newest migration and the first sweep ran."""
        try:
            with request.app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current = is_current(request.app.state.engine)
        except Exception as exc:
            log.warning("readiness: database unreachable: %s", exc)
            return JSONResponse(Health(status="unavailable", database="unreachable").model_dump(), status_code=503)
        if not (current and request.app.state.ready):
            return JSONResponse(Health(status="starting", database="migrating").model_dump(), status_code=503)
        return Health(status="ready", database=request.app.state.engine.dialect.name)

    return app


def served_app(settings: Settings) -> FastAPI:
    """The app of a server process (``handoff serve``'s workers): :func:`create_app` with
    ``settings``, collecting garbage less often (:func:`api.desk_server.tune_gc`)."""
    app = create_app(settings=settings)
    tune_gc()
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory api.app:app_from_env``: :func:`served_app` with the settings
    read from the ``HANDOFF_*`` environment (documented in :mod:`api.settings`)."""
    return served_app(Settings.from_env())
