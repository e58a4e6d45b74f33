"""The asks of a placement: who asks for whom, checked as the single path checks them.

A :class:`Ticket` is one placement request as it arrives (a principal, or a bearer token the desk
authenticates with its batch); :func:`read_asks` validates a batch of them with one read of
callers, participants, consents and open needs, with the errors of a request on its own (401,
403, 404, 409). An :class:`Ask` remembers the participant as read, so that the write transaction
(:func:`lock_asks`) can tell whether it changed before the placements were written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, check_role, principals_for_tokens, unauthorized
from api.db.models import Participant, Placement, utcnow
from api.errors import ApiError, conflict, not_found
from api.services.holds import consent_covers
from api.services.participants import check_scope
from api.services.providers import active_condition

PLACERS = ("coordinator",)  # roles that may request placements (and admin)


@dataclass
class Ticket:
    """One placement request; ``future`` gets (request, holds) or the ApiError. A ticket that carries
    the caller's bearer ``token`` instead of a ``principal`` is authenticated with its batch."""

    principal: Principal | None
    participant_id: str
    hold_minutes: float | None
    token: str | None = None
    future: Future = field(default_factory=Future)


@dataclass
class Ask:
    """A ticket that passed validation: its participant as read (``seen``: :func:`record_of`) and
    the open needs it asks for (``services``)."""

    ticket: Ticket
    participant: Participant
    seen: tuple
    services: set[str]

    @property
    def principal(self) -> Principal:
        """Who asks (set once the ticket is authenticated)."""
        if self.ticket.principal is None:
            raise RuntimeError("an ask is made of an authenticated ticket")
        return self.ticket.principal


@dataclass
class Asks:
    """What :func:`read_asks` made of tickets: the asks to place, the ``later`` tickets (a second
    ticket of a participant already asked for) and the ``refused`` ones with their errors."""

    asks: list[Ask] = field(default_factory=list)
    later: list[Ticket] = field(default_factory=list)
    refused: list[tuple[Ticket, ApiError]] = field(default_factory=list)


class ParticipantChanged(Exception):
    """A participant's record, open needs or release of information changed since the asks were read."""


def no_consent(participant_id: str) -> ApiError:
    """409: no release of information covers today."""
    return conflict(
        f"Participant {participant_id!r} has no release of information covering today; record one "
        f"with POST /v1/participants/{participant_id}/consents.",
        "body.participant_id",
        "no active consent",
        slug="no-consent",
    )


def no_open_need(participant_id: str) -> ApiError:
    """409: every need already has a held or confirmed placement."""
    return conflict(
        f"Every need of {participant_id!r} has a held or confirmed placement; confirm, decline or release one first.",
        "body.participant_id",
        "no open need",
        slug="no-open-need",
    )


RECORD_FIELDS = ("cohort", "lon", "lat", "needs", "attributes", "max_transit_minutes", "preferences")


def record_of(participant: Participant) -> tuple:
    """Everything of a participant a placement depends on (:data:`RECORD_FIELDS`), to compare two reads."""
    return tuple(getattr(participant, name) for name in RECORD_FIELDS)


def authenticate(ticket: Ticket, callers: dict[str, Principal]) -> Principal:
    """The principal of a ticket, from ``callers`` (token -> principal) when it came with a bearer
    token; 401 when the token is unknown or revoked, 403 when the role may not place."""
    if ticket.principal is None:
        principal = callers.get(ticket.token or "")
        if principal is None:
            raise unauthorized()
        check_role(principal, PLACERS)
        ticket.principal = principal
    return ticket.principal


def read_asks(read: Session, tickets: Sequence[Ticket], *, lock: bool = False) -> Asks:
    """Authenticate and validate ``tickets`` through ``read`` (participants locked when ``lock``),
    with the errors of the single path: 401, 403, 404 (unknown, or outside the caller's cohort),
    409 (no consent, no open need)."""
    out = Asks()
    ids = sorted({t.participant_id for t in tickets})
    tokens = [t.token for t in tickets if t.principal is None and t.token is not None]
    callers = principals_for_tokens(read, tokens) if tokens else {}
    people, open_of, allowed = read_participants(read, ids, lock=lock)
    taken: set[str] = set()
    for ticket in tickets:
        pid = ticket.participant_id
        try:
            principal = authenticate(ticket, callers)
            if pid in taken:
                out.later.append(ticket)
                continue
            participant = people.get(pid)
            if participant is None:
                raise not_found("participant", pid, "body.participant_id")
            check_scope(principal, participant, "body.participant_id")
            if pid not in allowed:
                raise no_consent(pid)
            if not open_of[pid]:
                raise no_open_need(pid)
        except ApiError as exc:
            out.refused.append((ticket, exc))
            continue
        taken.add(pid)
        out.asks.append(Ask(ticket, participant, record_of(participant), open_of[pid]))
    return out


def lock_asks(session: Session, asks: list[Ask]) -> list[Participant]:
    """Lock the asks' participants in id order; :class:`ParticipantChanged` when a record or its
    open needs differ from what the ask was read with, or no release of information covers today
    any more, else the participants as the asks read them (equal in every field a placement
    depends on). The records are compared, not loaded again.

    The lock and the read are two statements (:func:`lock_participants`)."""
    ids = sorted(a.participant.id for a in asks)
    lock_participants(session, ids)
    fields = [getattr(Participant, name) for name in RECORD_FIELDS]
    rows = session.execute(
        select(Participant.id, Placement.service, consent_covers(date.today(), Participant.id), *fields)
        .outerjoin(Placement, active_placement_of(ids))
        .where(Participant.id.in_(ids))
    ).all()
    seen: dict[str, tuple] = {}
    covered: dict[str, set[str]] = defaultdict(set)
    allowed: set[str] = set()
    for pid, service, consents, *fields_read in rows:
        seen[pid] = tuple(fields_read)
        if service is not None:
            covered[pid].add(service)
        if consents:
            allowed.add(pid)
    needs_at = RECORD_FIELDS.index("needs")
    for ask in asks:
        current = seen.get(ask.participant.id)
        if current is None or current != ask.seen or ask.participant.id not in allowed:
            raise ParticipantChanged()
        if {n["service"] for n in current[needs_at]} - covered[ask.participant.id] != ask.services:
            raise ParticipantChanged()
    return [a.participant for a in asks]


def lock_participants(session: Session, ids: list[str]) -> None:
    """Lock the participants ``ids`` (sorted) ``FOR UPDATE`` in id order, in a statement of its own.

    Under PostgreSQL's read committed, a statement that waited for a row lock still reads other
    tables as they were when it began, so a consent revoked or a hold written by the transaction
    that held the lock would be missed by a read in the same statement; the caller's next
    statement begins after the locks are granted and sees them."""
    session.execute(select(Participant.id).where(Participant.id.in_(ids)).order_by(Participant.id).with_for_update())


def active_placement_of(ids: list[str]):
    """Join condition: a placement of one of the participants ``ids`` that takes a slot now. The
    placement side names ``ids`` itself, so the participant index finds them, however many
    placements are active (the planner would otherwise filter every active one per participant)."""
    return (Placement.participant_id == Participant.id) & Placement.participant_id.in_(ids) & active_condition(utcnow())


def read_participants(
    session: Session, ids: list[str], *, lock: bool = False
) -> tuple[dict[str, Participant], dict[str, set[str]], set[str]]:
    """The participants ``ids`` (locked first when ``lock``: :func:`lock_participants`), each one's open
    needs (services without a held, unexpired, or confirmed placement) and those with a placement
    release of information covering today: one query (a row per participant and placement that
    takes a slot)."""
    query = (
        select(Participant, Placement.service, consent_covers(date.today(), Participant.id))
        .outerjoin(Placement, active_placement_of(ids))
        .where(Participant.id.in_(ids))
        .order_by(Participant.id)
    )
    if lock:
        lock_participants(session, ids)
        query = query.execution_options(populate_existing=True)
    people: dict[str, Participant] = {}
    covered: dict[str, set[str]] = defaultdict(set)
    allowed: set[str] = set()
    for participant, service, consents in session.execute(query):
        people[participant.id] = participant
        if service is not None:
            covered[participant.id].add(service)
        if consents:
            allowed.add(participant.id)
    open_of = {pid: {n["service"] for n in p.needs} - covered[pid] for pid, p in people.items()}
    return people, open_of, allowed
