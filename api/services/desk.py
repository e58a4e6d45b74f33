"""The placement desk: concurrent placement requests share one directory read and one write.

Each request becomes a :class:`Ticket` in the desk's queue; one desk thread takes everything
queued (up to :data:`BATCH` tickets) and serves it as a batch:

1. one autocommit read of the batch's callers (bearer tokens), participants, consents and open
   needs (``IN`` queries); a ticket that fails fails alone, with the same errors as the single
   path (401, 403, 404, 409);
2. on PostgreSQL the desk's turn (:func:`take_turn`), then the in-memory directory of every pool
   (:mod:`api.services.directory`) brought up to date, and the candidates of every participant;
3. ``matcher.place_one`` for each participant in arrival order on a single-participant instance
   of its own candidates' pools (what the single path would show it), each hold taken out of the
   in-memory providers before the next participant is placed, so the batch never books a seat twice;
4. one write transaction: the participants locked ``FOR UPDATE`` in id order (their records and
   open needs must be as read), the chosen pools claimed (:func:`claim_pools`; a pool that changed
   is read again under the locks) and ``matcher.check`` run on all the batch's holds together.
   Then every request, hold and audit row is written and committed, and the directory takes in
   the new holds and versions.

A changed participant or a violation rolls the batch back and places it once more, this time
locking the participants and every candidate pool (in id order) before reading the snapshot in
the write transaction, so nothing can change under it. A participant that changed, or any
unexpected error, sends each of the batch's tickets through the single path
:func:`request_placement` (which retries on its own). A participant's second ticket in the same
batch goes that way too, after the batch. The desk thread answers every ticket through its
``concurrent.futures.Future`` (the endpoint awaits it with ``asyncio.wrap_future``, or the desk
process's socket server with a done-callback, either handing the answer to its event loop with
``call_soon_threadsafe``) and keeps running.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

import matcher
import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal, check_role, principals_for_tokens, unauthorized
from api.db.models import Consent, Participant, Placement, PlacementRequest, utcnow
from api.errors import ApiError, not_found
from api.services import placements
from api.services.directory import Directory
from api.services.matching import Snapshot, candidates_of, decision_instance, snapshot
from api.services.participants import check_scope, consent_active
from api.services.providers import local_now
from api.services.region import RegionContext
from api.services.transit_note import with_feed_note

BATCH = 32  # tickets served together at most
PLACERS = ("coordinator",)  # roles that may request placements (and admin)
DESK_TURN = 0x4465736B  # advisory lock key of the desks' turn ("Desk")
log = logging.getLogger("handoff.api")


@dataclass
class Ticket:
    """One placement request waiting at the desk; ``future`` gets (request, holds) or the ApiError.
    A ticket that carries the caller's bearer ``token`` instead of a ``principal`` is authenticated
    at the desk, together with the rest of its batch."""

    principal: Principal | None
    participant_id: str
    hold_minutes: float | None
    token: str | None = None
    future: Future = field(default_factory=Future)


@dataclass
class Case:
    """A ticket that passed validation: its participant as read, the open needs, the answer and the
    number of candidate providers it was chosen from."""

    ticket: Ticket
    participant: Participant
    seen: tuple
    services: set[str]
    result: matcher.Result | None = None
    candidates: int = 0


class DeskUnavailable(Exception):
    """The desk process (:mod:`api.desk_server`) cannot be reached: place on the worker's own desk."""


class Changed(Exception):
    """A participant or pool changed so that the batch's answers no longer hold; use the single path."""


def take_hold(provider: matcher.Provider, placement: matcher.Placement) -> matcher.Provider:
    """The decision-view ``provider`` after ``placement`` took a seat (and its appointment time)."""
    set_aside = placement.category == "set-aside"
    return replace(
        provider,
        occupied=provider.occupied + 1,
        lead_occupied=provider.lead_occupied + set_aside,
        appointment_times=tuple(t for t in provider.appointment_times if t != placement.appointment),
    )


def place_in_order(
    cases: list[Case],
    wanted: dict[str, set[str]],
    providers: dict[str, matcher.Provider],
    single: Callable[[Case], matcher.Instance],
) -> None:
    """``matcher.place_one`` for each case in arrival order on its instance ``single(case)``; each
    hold is taken out of ``providers`` (decision-view records by id, which ``single`` reads) before
    the next case, so a batch never books a seat twice."""
    for case in cases:
        case.candidates = len(wanted.get(case.participant.id, ()))
        case.result = placements.place_one(single(case))
        for pl in case.result.placements:
            providers[pl.provider_id] = take_hold(providers[pl.provider_id], pl)


def take_turn(session: Session) -> None:
    """On PostgreSQL, wait until no other process's desk is placing a batch (a transaction-level
    advisory lock, released at commit or rollback): the desks of all worker processes place one
    batch at a time, so they never count on the same free seat."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DESK_TURN})


def authenticate(ticket: Ticket, callers: dict[str, Principal]) -> None:
    """Give a ticket that came with a bearer token its principal from ``callers`` (token ->
    principal); 401 when the token is unknown or revoked, 403 when the role may not place."""
    if ticket.principal is None:
        principal = callers.get(ticket.token)
        if principal is None:
            raise unauthorized()
        check_role(principal, PLACERS)
        ticket.principal = principal


class Desk:
    """Serves placement requests in batches on one thread; :meth:`start` and :meth:`stop` it with the app."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        lookups: sessionmaker[Session],
        budget: placements.Budget,
        region: RegionContext,
    ):
        self.sessions, self.lookups, self.budget, self.region = sessions, lookups, budget, region
        self.directory = Directory()
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

    def serve(self, batch: list[Ticket]) -> None:
        """Answer every ticket of ``batch`` (running futures): together when possible, else one by one."""
        cases: list[Case] = []
        later: list[Ticket] = []
        try:
            cases, later = self._validate(batch)
            try:
                answers = self._place(cases)
            except Changed:
                answers = self._place(cases, locked=True)
        except Changed:
            later = [c.ticket for c in cases] + later
        except Exception:
            log.exception("placement desk: batch of %d failed; serving each request on its own", len(batch))
            later = [t for t in batch if not t.future.done()]
        else:
            for case, answer in zip(cases, answers):
                case.ticket.future.set_result(answer)
        for ticket in later:
            self._single(ticket)

    def _single(self, ticket: Ticket) -> None:
        """Serve one ticket through :func:`placements.request_placement`."""
        try:
            if ticket.principal is None:
                with self.lookups() as read:
                    authenticate(ticket, principals_for_tokens(read, [ticket.token]))
            ticket.future.set_result(
                placements.request_placement(
                    self.sessions,
                    ticket.principal,
                    ticket.participant_id,
                    ticket.hold_minutes,
                    self.budget,
                    self.region,
                    self.lookups,
                )
            )
        except Exception as exc:
            ticket.future.set_exception(exc)

    def _validate(self, batch: list[Ticket]) -> tuple[list[Case], list[Ticket]]:
        """Read the participants, fail the tickets the single path would fail; returns the cases to
        place and the later tickets of participants already in the batch."""
        cases: list[Case] = []
        later: list[Ticket] = []
        ids = sorted({t.participant_id for t in batch})
        with self.lookups() as read:
            tokens = [t.token for t in batch if t.principal is None]
            callers = principals_for_tokens(read, tokens) if tokens else {}
            people = {p.id: p for p in read.scalars(select(Participant).where(Participant.id.in_(ids)))}
            consenting = {
                c.participant_id
                for c in read.scalars(
                    select(Consent).where(Consent.participant_id.in_(ids), Consent.scope == "placement")
                )
                if consent_active(c)
            }
            open_of = placements.open_services_of(read, list(people.values()), utcnow())
        taken: set[str] = set()
        for ticket in batch:
            pid = ticket.participant_id
            try:
                authenticate(ticket, callers)
                if pid in taken:
                    later.append(ticket)
                    continue
                participant = people.get(pid)
                if participant is None:
                    raise not_found("participant", pid, "body.participant_id")
                check_scope(ticket.principal, participant, "body.participant_id")
                if pid not in consenting:
                    raise placements.no_consent(pid)
                services = open_of[pid]
                if not services:
                    raise placements.no_open_need(pid)
            except ApiError as exc:
                ticket.future.set_exception(exc)
                continue
            taken.add(pid)
            cases.append(Case(ticket, participant, placements.record_of(participant), services))
        return cases, later

    def _place(self, cases: list[Case], *, locked: bool = False) -> list[tuple[PlacementRequest, list[Placement]]]:
        """Place the cases one after another and write them in one transaction: on the directory, or
        (``locked``) on a snapshot read after locking the participants and every candidate pool."""
        if not cases:
            return []
        with self.sessions() as session:
            take_turn(session)
            if locked:
                people = self._lock(session, cases)
                snap = self._place_locked(session, cases, people)
            else:
                snap = self._place_cached(cases)
                people = self._lock(session, cases)
            answers, versions = self._write(session, cases, people, snap)
        if versions and not locked:
            self.directory.absorb(versions, [hold for _, holds in answers for hold in holds])
        return answers

    def _place_cached(self, cases: list[Case]) -> Snapshot:
        """Place the cases on the refreshed directory; returns the decision view they were placed on
        (before the batch's own holds), each participant with the transit minutes to its pools."""
        now, cutoff = utcnow(), local_now().isoformat()
        directory = self.directory
        with self.lookups() as read:
            directory.refresh(read, now)
        people = [c.participant for c in cases]
        services_of = {c.participant.id: c.services for c in cases}
        minutes_of: dict[str, np.ndarray] = {}
        wanted = directory.candidates(
            self.region, people, services_of, self.budget.candidates_per_need, now, cutoff, minutes_of
        )
        before: dict[str, matcher.Provider] = {}
        current: dict[str, matcher.Provider] = {}
        travel: dict[tuple[str, str], float | None] = {}

        def single(case: Case) -> matcher.Instance:
            pid = case.participant.id
            lists = directory.pools(wanted.get(pid, set()))
            members = [m for list_id in lists for m in directory.members[list_id]]
            for m in members:
                if m not in current:
                    current[m] = before[m] = directory.record(m, now, cutoff)
            minutes = directory.minutes(pid, minutes_of[pid], members) if members else {}
            travel.update(minutes)
            return decision_instance(
                self.region,
                [case.participant],
                {pid: case.services},
                [current[m] for m in members],
                directory.waiting_of(lists),
                minutes,
            )

        place_in_order(cases, wanted, current, single)
        instance = decision_instance(
            self.region,
            people,
            services_of,
            list(before.values()),
            directory.waiting_of(directory.pools(set(before))),
            travel,
        )
        return Snapshot(instance, {m: directory.versions[m] for m in before}, {m: before[m].list_id for m in before})

    def _place_locked(self, session: Session, cases: list[Case], people: list[Participant]) -> Snapshot:
        """Lock every candidate pool, read the snapshot under the locks and place the cases on it."""
        services_of = {c.participant.id: c.services for c in cases}
        wanted = candidates_of(session, self.region, people, services_of, self.budget.candidates_per_need)
        ids = set().union(*wanted.values())
        placements.lock_pools(session, ids)
        snap = snapshot(session, self.region, people, services_of, ids)
        providers = snap.instance.provider_by_id()
        record_of = snap.instance.participant_by_id()

        def single(case: Case) -> matcher.Instance:
            lists = {snap.list_of[c] for c in wanted.get(case.participant.id, ()) if c in snap.list_of}
            return replace(
                snap.instance,
                participants=[record_of[case.participant.id]],
                providers=[p for p in providers.values() if p.list_id in lists],
                wait_list=[e for e in snap.instance.wait_list if e.list_id in lists],
            )

        place_in_order(cases, wanted, providers, single)
        return snap

    def _lock(self, session: Session, cases: list[Case]) -> list[Participant]:
        """The cases' participants locked in id order, in case order; :class:`Changed` when a record or
        its open needs differ from what the batch was validated on."""
        locked = {
            p.id: p
            for p in session.scalars(
                select(Participant)
                .where(Participant.id.in_([c.participant.id for c in cases]))
                .order_by(Participant.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        open_of = placements.open_services_of(session, list(locked.values()), utcnow())
        for case in cases:
            current = locked.get(case.participant.id)
            if current is None or placements.record_of(current) != case.seen or open_of[current.id] != case.services:
                raise Changed()
        return [locked[c.participant.id] for c in cases]

    def _write(
        self, session: Session, cases: list[Case], people: list[Participant], snap: Snapshot
    ) -> tuple[list[tuple[PlacementRequest, list[Placement]]], dict[str, int] | None]:
        """Claim the chosen pools, check all the holds together, write and commit; :class:`Changed`
        when a hold no longer fits. Returns the answers and the claimed pools' new versions (None
        when a pool had changed and was checked as read again under the locks)."""
        chosen = {pl.provider_id for c in cases for pl in c.result.placements}
        combined = matcher.Result(placements=[pl for c in cases for pl in c.result.placements])
        versions = placements.claim_pools(session, snap, chosen)
        view = (
            snap
            if versions is not None
            else snapshot(session, self.region, people, {c.participant.id: c.services for c in cases}, chosen)
        )
        found = matcher.check(view.instance, combined)
        if found:
            log.info("placement desk: batch of %d fails matcher.check (%s)", len(cases), found[0].message)
            raise Changed()
        answers = []
        for case, participant in zip(cases, people):
            minutes = case.ticket.hold_minutes
            answers.append(
                placements.add_request(
                    session,
                    case.ticket.principal,
                    participant,
                    case.services,
                    with_feed_note(case.result, self.region.feed_warning()),
                    minutes if minutes is not None else self.budget.hold_minutes,
                    case.candidates,
                )
            )
        session.commit()
        return answers, versions
