"""One placement desk for every worker process: a desk process and the workers' client of it.

``handoff serve --workers N`` (PostgreSQL) starts a desk process before the N uvicorn workers and
tells them its Unix socket (``Settings.desk_socket``). Each worker sends its placement requests
there over one connection; the desk process serves the requests of all workers together, in
batches (:class:`api.services.desk.Desk`), on its own interpreter lock, so the workers' HTTP work
and the placing run on different cores and two desks never count on the same free seat.

A worker that cannot reach the desk process places on its own desk, which takes turns with any
other desk through the advisory lock (``placing.take_turn``): a desk process that is down costs
speed, never a request. A request in flight when the desk process goes away answers 503, saying
that it may or may not have been placed.

Frames on the socket: a 4-byte big-endian length, then the payload. A request is an 8-byte id and
the JSON of ``{"token", "participant_id", "hold_minutes"}`` (the caller's bearer token: the desk
authenticates the requests of a batch with one query; the socket lives in a directory only its
owner may enter); a reply is the 8-byte id, a 2-byte HTTP status and the JSON body: the ``PlacementRequestOut`` for
201, else the problem's status, title, detail, slug, errors and headers.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import multiprocessing
import os
import shutil
import struct
import tempfile
import threading
from concurrent.futures import Future
from itertools import count
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.db.engine import autocommit_reads, make_engine, make_sessionmaker
from api.errors import ApiError, busy
from api.routers.placements import budget, request_out
from api.services.desk import Desk, DeskUnavailable
from api.services.region import load_region_context
from api.settings import Settings

LENGTH = struct.Struct(">I")
REQUEST = struct.Struct(">Q")
REPLY = struct.Struct(">QH")
PARENT_CHECK_S = 1.0  # how often the desk process looks whether its parent still runs
GC_YOUNG_ALLOCATIONS = 50_000  # net allocations between collections of the youngest generation
RESTART_PAUSE_S = 5.0  # wait before starting a desk process again after it failed to start
log = logging.getLogger("handoff.api")


def lost() -> ApiError:
    """503: the desk process went away while answering; the request may have been placed."""
    return ApiError(
        503,
        "Placement desk restarted",
        "The placement desk stopped while answering, so this request "
        "may or may not have been placed: look at the participant's placements (GET "
        "/v1/placements?participant_id=...) before sending it again.",
        slug="desk-restarted",
        errors=[("body.participant_id", "outcome unknown")],
        headers={"Retry-After": "1"},
    )


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = LENGTH.unpack(await reader.readexactly(LENGTH.size))
    return await reader.readexactly(size)


def _frame(payload: bytes) -> bytes:
    return LENGTH.pack(len(payload)) + payload


def reply_of(future: Future) -> tuple[int, bytes]:
    """The (status, JSON body) answering a desk ticket's finished ``future``."""
    exc = future.exception()
    if exc is None:
        saved, holds = future.result()
        return 201, request_out(saved, {h.id: h for h in holds}).model_dump_json().encode()
    if isinstance(exc, (PoolTimeout, OperationalError)):
        exc = busy()
    if not isinstance(exc, ApiError):
        log.error("placement desk: unexpected error", exc_info=exc)
        exc = ApiError(
            500,
            "Internal error",
            "The server failed unexpectedly; nothing was saved. The error is logged.",
            slug="internal",
        )
    return exc.status, json.dumps(
        {
            "status": exc.status,
            "title": exc.title,
            "detail": exc.detail,
            "slug": exc.slug,
            "errors": [[e.field, e.message] for e in exc.errors],
            "headers": exc.headers,
        }
    ).encode()


async def serve_desk(desk: Desk, socket_path: str | Path, started: asyncio.Event | None = None) -> None:
    """Answer placement requests on the Unix socket ``socket_path`` through ``desk`` until cancelled."""
    loop = asyncio.get_running_loop()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def answer(ticket_id: int, future: Future) -> None:
            status, body = reply_of(future)
            if not writer.is_closing():
                writer.write(_frame(REPLY.pack(ticket_id, status) + body))

        def answered(ticket_id: int, future: Future) -> None:
            loop.call_soon_threadsafe(answer, ticket_id, future)

        try:
            while True:
                frame = await _read_frame(reader)
                (ticket_id,) = REQUEST.unpack_from(frame)
                ask = json.loads(frame[REQUEST.size :])
                future = desk.submit(None, ask["participant_id"], ask["hold_minutes"], token=ask["token"])
                future.add_done_callback(functools.partial(answered, ticket_id))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_unix_server(connection, path=str(socket_path))
    if started is not None:
        started.set()
    async with server:
        await server.serve_forever()


def tune_gc() -> None:
    """Garbage-collect a long-running server process less often: move what start-up made out of the
    collector's sight (``gc.freeze``) and collect the youngest generation every
    :data:`GC_YOUNG_ALLOCATIONS` allocations instead of 700. A batch allocates many short-lived
    objects (ORM rows, matcher records); with the default thresholds the collector's passes over
    them were a large share of the slowest requests' time."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_ALLOCATIONS, 50, 100)


def run_desk_process(socket_path: str, settings: Settings, ready) -> None:
    """The desk process: a desk on ``settings.database`` serving ``socket_path``; sets ``ready`` (a
    ``multiprocessing.Event``) once it listens, and ends when its parent process is gone."""
    logging.basicConfig(level=logging.WARNING)
    parent = os.getppid()
    engine = make_engine(settings.database)
    desk = Desk(
        make_sessionmaker(engine),
        make_sessionmaker(autocommit_reads(engine)),
        budget(settings),
        load_region_context(settings.region_dir),
    )
    tune_gc()
    desk.start()

    async def main() -> None:
        started = asyncio.Event()
        server = asyncio.create_task(serve_desk(desk, socket_path, started))
        await started.wait()
        ready.set()
        while os.getppid() == parent and not server.done():
            await asyncio.sleep(PARENT_CHECK_S)
        server.cancel()

    try:
        asyncio.run(main())
    finally:
        desk.stop()
        engine.dispose()


class DeskProcess:
    """The desk process of `handoff serve --workers N`, started again whenever it exits (the
    workers place on their own desks meanwhile). :meth:`stop` ends it."""

    def __init__(self, settings: Settings, *, deadline_s: float = 60.0):
        self.settings, self.deadline_s = settings, deadline_s
        self.socket_path = str(Path(tempfile.mkdtemp(prefix="handoff-desk-")) / "desk.sock")
        self.stopping = threading.Event()
        self.process = self._start()
        self.watcher = threading.Thread(target=self._watch, name="handoff-desk-watcher", daemon=True)
        self.watcher.start()

    def _start(self):
        Path(self.socket_path).unlink(missing_ok=True)
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        process = context.Process(
            target=run_desk_process,
            name="handoff-placement-desk",
            daemon=True,
            args=(self.socket_path, self.settings, ready),
        )
        process.start()
        if not ready.wait(self.deadline_s):
            process.kill()
            raise RuntimeError(f"the placement desk process did not start within {self.deadline_s:.0f} s")
        return process

    def _watch(self) -> None:
        while True:
            self.process.join()
            if self.stopping.is_set():
                return
            ended, code = self.process.pid, self.process.exitcode
            try:
                process = self._start()
            except Exception:
                log.exception(
                    "placement desk process %d ended (exit code %s) and failed to start again; the "
                    "workers place on their own desks",
                    ended,
                    code,
                )
                if self.stopping.wait(RESTART_PAUSE_S):
                    return
                continue
            log.warning("placement desk process %d ended (exit code %s); started again as %d", ended, code, process.pid)
            self.process = process
            if self.stopping.is_set():
                process.terminate()
                return

    def stop(self, timeout_s: float = 30.0) -> None:
        """End the desk process (it finishes no batch: in-flight requests answer 503) and remove its socket."""
        self.stopping.set()
        self.process.terminate()
        self.process.join(timeout=timeout_s)
        self.watcher.join(timeout=timeout_s)
        shutil.rmtree(Path(self.socket_path).parent, ignore_errors=True)


class RemoteDesk:
    """A worker's client of the desk process: one connection shared by the worker's requests."""

    def __init__(self, socket_path: str | Path):
        self.socket_path = str(socket_path)
        self.ids = count(1)
        self.link: tuple[asyncio.StreamWriter, dict[int, asyncio.Future]] | None = None
        self.connecting = asyncio.Lock()
        self.reading: asyncio.Task | None = None

    async def place(self, token: str, participant_id: str, hold_minutes: float | None) -> bytes:
        """The JSON body of the request created by the owner of bearer ``token``; raises its
        :class:`ApiError`, or :class:`DeskUnavailable` when the desk process cannot be reached
        (nothing was sent)."""
        writer, pending = await self._connected()
        ticket_id = next(self.ids)
        answer = asyncio.get_running_loop().create_future()
        pending[ticket_id] = answer
        ask = {"token": token, "participant_id": participant_id, "hold_minutes": hold_minutes}
        writer.write(_frame(REQUEST.pack(ticket_id) + json.dumps(ask).encode()))
        status, body = await answer
        if status == 201:
            return body
        problem = json.loads(body)
        raise ApiError(
            problem["status"],
            problem["title"],
            problem["detail"],
            slug=problem["slug"],
            errors=[tuple(e) for e in problem["errors"]],
            headers=problem["headers"],
        )

    async def _connected(self) -> tuple[asyncio.StreamWriter, dict[int, asyncio.Future]]:
        async with self.connecting:
            if self.link is None or self.link[0].is_closing():
                try:
                    reader, writer = await asyncio.open_unix_connection(self.socket_path)
                except OSError as exc:
                    raise DeskUnavailable(str(exc)) from exc
                self.link = (writer, {})
                self.reading = asyncio.get_running_loop().create_task(self._replies(reader, *self.link))
            return self.link

    async def _replies(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pending: dict[int, asyncio.Future]
    ) -> None:
        """Hand each reply to its waiting request; when the connection ends, fail the rest (:func:`lost`)."""
        try:
            while True:
                frame = await _read_frame(reader)
                ticket_id, status = REPLY.unpack_from(frame)
                answer = pending.pop(ticket_id, None)
                if answer is not None and not answer.done():
                    answer.set_result((status, frame[REPLY.size :]))
        except (asyncio.IncompleteReadError, ConnectionError):
            log.warning("placement desk process closed the connection; placing on this worker until it is back")
        finally:
            writer.close()
            for answer in pending.values():
                if not answer.done():
                    answer.set_exception(lost())
            pending.clear()

    async def close(self) -> None:
        """Close the connection and wait for its reader to end."""
        if self.link is not None:
            self.link[0].close()
        if self.reading is not None:
            self.reading.cancel()
            await asyncio.gather(self.reading, return_exceptions=True)
