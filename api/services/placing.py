"""The one placement path: read the asks, take a snapshot, decide, write; try again on change.

Every placement goes through :class:`Placer`: a batch of requests at the desk
(:meth:`Placer.batch`), one request on its own (:meth:`Placer.alone`, :func:`request_placement`)
and a batch round over the pending requests (:meth:`Placer.round`). Each try is the same three
steps::

    asks      read_asks: callers, participants, consents, open needs (errors: 401 403 404 409)
      |
    snapshot  the desk's directory | an autocommit read | a read under the locks (api.services.snapshot)
      |
    decide    pure: matcher instances, place_one in order or solve together (api.services.decide)
      |
    write     one transaction: participants locked and found as read (lock_asks), pools claimed,
              matcher.check, requests, holds and audit rows (api.services.placements)

A try whose snapshot was read before the locks can lose a race: a participant that changed
(:class:`ParticipantChanged`) or a pool whose change breaks a hold (``placements.Changed``) rolls
it back. A batch then places once more with the snapshot read under the locks (participants,
then every candidate pool, in id order), so nothing can change under it; a participant that
changed sends each of the batch's tickets on its own. A request on its own tries up to
:data:`ATTEMPTS` times, the last one locked.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal, principals_for_tokens
from api.db.models import Participant, Placement, PlacementRequest, utcnow
from api.errors import ApiError
from api.services import audit, decide, placements
from api.services.asks import (
    Ask,
    ParticipantChanged,
    Ticket,
    authenticate,
    lock_asks,
    read_participants,
    read_asks,
)
from api.services.directory import Directory
from api.services.region import RegionContext
from api.services.snapshot import Snapshot, read_snapshot

ATTEMPTS = 6  # tries of a request on its own, the last one locked
DESK_TURN = 0x4465736B  # advisory lock key of the desks' turn ("Desk")
log = logging.getLogger("handoff.api")

Answer = tuple[PlacementRequest, list[Placement]]


@dataclass(frozen=True)
class Budget:
    """How a request is solved: default hold minutes, candidate count per need, solver seconds."""

    hold_minutes: float
    candidates_per_need: int
    time_limit_s: float


def take_turn(session: Session) -> None:
    """On PostgreSQL, wait until no other process's desk is placing a batch (a transaction-level
    advisory lock, released at commit or rollback): the desks of all worker processes place one
    batch at a time, so they never count on the same free seat."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DESK_TURN})


def busy_placing() -> ApiError:
    """409: every attempt of a request lost its race."""
    return ApiError(
        409,
        "Conflict with current state",
        "Capacity kept changing while placing; send the request again.",
        slug="busy",
        errors=[("body.participant_id", "state changed during every attempt")],
    )


Reader = Callable[[list[Participant], dict[str, set[str]]], Snapshot]


@dataclass
class Placer:
    """The one placement path over the database (``sessions`` for writes, ``lookups`` for
    autocommit reads), the matcher ``budget`` and the ``region``'s travel times; with a
    ``directory`` (the desk's), a batch reads its first snapshot from it."""

    sessions: sessionmaker[Session]
    lookups: sessionmaker[Session]
    budget: Budget
    region: RegionContext
    directory: Directory | None = None

    def attempt(
        self, session: Session, asks: list[Ask], reader: Reader | None
    ) -> tuple[list[Answer], dict[str, int] | None]:
        """One try in the write transaction ``session`` (left uncommitted): the snapshot from
        ``reader`` (read before the locks) or, when None, read under the locks; decide; write.
        Returns the answers and the claimed pools' new versions (None when a pool had changed);
        raises :class:`ParticipantChanged` or ``placements.Changed`` when the race was lost."""
        people = [a.participant for a in asks]
        services_of = {a.participant.id: a.services for a in asks}
        k = self.budget.candidates_per_need
        if reader is None:
            people = lock_asks(session, asks)
            snap = read_snapshot(session, self.region, people, services_of, k, lock=True)
        else:
            snap = reader(people, services_of)
        decision = decide.in_order(self.region, snap)
        if reader is not None:
            people = lock_asks(session, asks)
        versions = placements.check_decision(session, self.region, snap, decision, people, services_of)
        rows = placements.Rows()
        answers = [
            placements.add_request(
                rows,
                ask.principal,
                participant,
                ask.services,
                decision.results[participant.id],
                self.budget.hold_minutes if ask.ticket.hold_minutes is None else ask.ticket.hold_minutes,
                decision.candidates[participant.id],
            )
            for ask, participant in zip(asks, people)
        ]
        rows.insert(session)
        return answers, versions

    def from_directory(self, people: list[Participant], services_of: dict[str, set[str]]) -> Snapshot:
        """The snapshot from the desk's directory, brought up to date with an autocommit read."""
        if self.directory is None:
            raise RuntimeError("a batch is placed on the desk's directory; this placer has none")
        with self.lookups() as read:
            return self.directory.snapshot(read, self.region, people, services_of, self.budget.candidates_per_need)

    def batch(self, tickets: list[Ticket]) -> None:
        """Answer every ticket (running futures): together when possible (on the directory, then
        once more under the locks when a pool changed), else each on its own."""
        asks: list[Ask] = []
        later: list[Ticket] = []
        try:
            with self.lookups() as read:
                found = read_asks(read, tickets)
            for ticket, error in found.refused:
                ticket.future.set_exception(error)
            asks, later = found.asks, found.later
            try:
                answers = self.write_batch(asks, self.from_directory)
            except placements.Changed:
                answers = self.write_batch(asks, None)
        except (placements.Changed, ParticipantChanged):
            later = [a.ticket for a in asks] + later
        except Exception:
            log.exception("placement desk: batch of %d failed; serving each request on its own", len(tickets))
            later = [t for t in tickets if not t.future.done()]
        else:
            for ask, answer in zip(asks, answers):
                ask.ticket.future.set_result(answer)
        for ticket in later:
            self.serve_alone(ticket)

    def write_batch(self, asks: list[Ask], reader: Reader | None) -> list[Answer]:
        """:meth:`attempt` for a batch, in its desk's turn (:func:`take_turn`), committed; the
        directory takes in the holds when it was the snapshot and its pools were unchanged."""
        if not asks:
            return []
        with self.sessions() as session:
            take_turn(session)
            answers, versions = self.attempt(session, asks, reader)
            session.commit()
        if versions and reader is not None and self.directory is not None:
            self.directory.absorb(versions, [hold for _, holds in answers for hold in holds])
        return answers

    def serve_alone(self, ticket: Ticket) -> None:
        """Answer one ticket through :func:`request_placement` (authenticated first when it came with a token)."""
        try:
            if ticket.principal is None:
                with self.lookups() as read:
                    authenticate(ticket, principals_for_tokens(read, [ticket.token or ""]))
            principal = authenticate(ticket, {})
            ticket.future.set_result(
                request_placement(
                    self.sessions,
                    principal,
                    ticket.participant_id,
                    ticket.hold_minutes,
                    self.budget,
                    self.region,
                    self.lookups,
                )
            )
        except Exception as exc:
            ticket.future.set_exception(exc)

    def alone(self, principal: Principal, participant_id: str, hold_minutes: float | None) -> Answer:
        """Place one request, committed: up to :data:`ATTEMPTS` tries, the last one locked;
        raises the request's ApiError (409 busy when every try lost its race)."""
        for attempt in range(ATTEMPTS):
            ticket = Ticket(principal, participant_id, hold_minutes)
            with self.sessions() as session:
                try:
                    if attempt == ATTEMPTS - 1:
                        answers, _ = self.attempt(session, self.one_ask(session, ticket, lock=True), None)
                    else:
                        with self.lookups() as read:
                            asks = self.one_ask(read, ticket)
                            snap = read_snapshot(
                                read,
                                self.region,
                                [asks[0].participant],
                                {participant_id: asks[0].services},
                                self.budget.candidates_per_need,
                            )
                        answers, _ = self.attempt(session, asks, lambda people, services_of: snap)
                    session.commit()
                    return answers[0]
                except (placements.Changed, ParticipantChanged):
                    session.rollback()
        raise busy_placing()

    @staticmethod
    def one_ask(read: Session, ticket: Ticket, *, lock: bool = False) -> list[Ask]:
        """The one ask of ``ticket`` (:func:`read_asks`); raises its ApiError."""
        found = read_asks(read, [ticket], lock=lock)
        if found.refused:
            raise found.refused[0][1]
        return found.asks

    def round(self, principal: Principal) -> dict:
        """One batch round over every pending request (waiting or partial), read under the locks
        and solved together (:func:`decide.together`); committed."""
        with self.sessions() as session:
            latest: dict[str, PlacementRequest] = {}
            for request in session.scalars(
                select(PlacementRequest)
                .where(PlacementRequest.status.in_(("waiting", "partial")))
                .order_by(PlacementRequest.created_at)
            ):
                latest[request.participant_id] = request
            locked, services_of, allowed = read_participants(session, sorted(latest), lock=True)
            now = utcnow()
            people = [p for p in locked.values() if services_of[p.id] and p.id in allowed]
            snap = read_snapshot(session, self.region, people, services_of, self.budget.candidates_per_need, lock=True)
            decision = decide.together(self.region, snap, self.budget.time_limit_s)
            placements.check_decision(session, self.region, snap, decision, people, services_of)
            request_of = {p.id: latest[p.id] for p in people}
            written = placements.Rows()
            rows, _ = placements.add_holds(
                written, decision.placements, request_of, self.budget.hold_minutes, principal.name
            )
            written.insert(session)
            for p in people:
                placements.settle(
                    request_of[p.id], p, services_of[p.id], decision.results[p.id], rows, decision.candidates[p.id]
                )
                request_of[p.id].updated_at = now
            result = decision.placements
            candidates = len(set().union(*snap.candidates.values())) if snap.candidates else 0
            audit.record(
                session,
                principal.name,
                "placement_round.run",
                "placement_round",
                str(uuid.uuid4()),
                requests=len(people),
                holds=len(rows),
                status=result.status,
            )
            session.commit()
            return {
                "requests": len(people),
                "placements_held": len(rows),
                "needs_unmet": sum(len(services_of[p.id]) for p in people) - len(rows),
                "solver": placements.solver_report(result, candidates),
                "request_ids": [request_of[p.id].id for p in people],
            }


def request_placement(
    sessions: sessionmaker[Session],
    principal: Principal,
    participant_id: str,
    hold_minutes: float | None,
    budget: Budget,
    region: RegionContext,
    lookups: sessionmaker[Session] | None = None,
) -> Answer:
    """Solve and hold placements for a participant's open needs on its own (:meth:`Placer.alone`);
    returns the committed request and its holds. ``lookups`` makes the sessions for the snapshot
    reads (autocommit on PostgreSQL)."""
    return Placer(sessions, lookups or sessions, budget, region).alone(principal, participant_id, hold_minutes)


def run_round(sessions: sessionmaker[Session], principal: Principal, budget: Budget, region: RegionContext) -> dict:
    """One batch round over every pending request (:meth:`Placer.round`)."""
    return Placer(sessions, sessions, budget, region).round(principal)
