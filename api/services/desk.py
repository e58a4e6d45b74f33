"""The placement desk: concurrent placement requests share one snapshot, one decision and one write.

Each request becomes a :class:`~api.services.asks.Ticket` in the desk's queue; one desk thread
takes everything queued (up to :data:`BATCH` tickets) and hands it to the one placement path as a
batch (:meth:`api.services.placing.Placer.batch`): the asks read together, the snapshot taken from
the desk's in-memory directory of every pool (:mod:`api.services.directory`), the decision made
in arrival order, one write transaction in the desks' turn on PostgreSQL, once more under the
locks when a pool changed, each ticket on its own when a participant changed or anything
unexpected failed.

The desk thread answers every ticket through its ``concurrent.futures.Future`` (the endpoint
awaits it with ``asyncio.wrap_future``, or the desk process's socket server with a done-callback,
either handing the answer to its event loop with ``call_soon_threadsafe``) and keeps running.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.services.asks import Ticket
from api.services.directory import Directory
from api.services.placing import Budget, Placer
from api.services.region import RegionContext

BATCH = 32  # tickets served together at most


class DeskUnavailable(Exception):
    """The desk process (:mod:`api.desk_server`) cannot be reached: place on the worker's own desk."""


class Desk:
    """Serves placement requests in batches on one thread; :meth:`start` and :meth:`stop` it with the app."""

    def __init__(
        self, sessions: sessionmaker[Session], lookups: sessionmaker[Session], budget: Budget, region: RegionContext
    ):
        self.directory = Directory()
        self.placer = Placer(sessions, lookups, budget, region, self.directory)
        self.queue: queue.SimpleQueue[Ticket | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="handoff-placement-desk", daemon=True)

    def start(self) -> None:
        """Start the desk thread."""
        self.thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Serve what is queued, then end the desk thread (waits up to ``timeout_s`` seconds)."""
        self.queue.put(None)
        self.thread.join(timeout=timeout_s)

    def submit(
        self, principal: Principal | None, participant_id: str, hold_minutes: float | None, *, token: str | None = None
    ) -> Future:
        """Queue a placement request by ``principal``, or by the owner of bearer ``token`` (a
        coordinator or admin); the future resolves to (request, holds) or raises its ApiError."""
        ticket = Ticket(principal, participant_id, hold_minutes, token)
        self.queue.put(ticket)
        return ticket.future

    def serve(self, batch: list[Ticket]) -> None:
        """Answer every ticket of ``batch`` (running futures): together when possible, else one by one."""
        self.placer.batch(batch)

    def _run(self) -> None:
        """Take what is queued (up to :data:`BATCH` tickets, skipping cancelled ones) and serve it, until ``None``."""
        while True:
            batch: list[Ticket] = []
            item = self.queue.get()
            while item is not None:
                if item.future.set_running_or_notify_cancel():
                    batch.append(item)
                if len(batch) == BATCH or self.queue.empty():
                    break
                item = self.queue.get()
            if batch:
                self.serve(batch)
            if item is None:
                return
