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
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, check_role, principals_for_tokens, unauthorized
from api.db.models import Consent, Participant, Placement, utcnow
from api.errors import ApiError, conflict, not_found
from api.services.participants import check_scope, consent_active
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
    """A participant's record or open needs changed since the asks were read."""


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


def open_services_of(session: Session, participants: list[Participant], now: datetime) -> dict[str, set[str]]:
    """Per participant id: the services it needs that have no held (unexpired) or confirmed
    placement at ``now`` (one query for all)."""
    covered: dict[str, set[str]] = defaultdict(set)
    if participants:
        rows = session.execute(
            select(Placement.participant_id, Placement.service).where(
                Placement.participant_id.in_([p.id for p in participants]), active_condition(now)
            )
        )
        for participant_id, service in rows:
            covered[participant_id].add(service)
    return {p.id: {n["service"] for n in p.needs} - covered[p.id] for p in participants}


def record_of(participant: Participant) -> tuple:
    """Everything of a participant a placement depends on, to compare two reads."""
    return (
        participant.cohort,
        participant.lon,
        participant.lat,
        participant.needs,
        participant.attributes,
        participant.max_transit_minutes,
        participant.preferences,
    )


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


def lock_participants(session: Session, ids: list[str]) -> dict[str, Participant]:
    """The participants ``ids`` read ``FOR UPDATE`` in id order (as placement requests lock them)."""
    return {
        p.id: p
        for p in session.scalars(
            select(Participant)
            .where(Participant.id.in_(ids))
            .order_by(Participant.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }


def read_asks(read: Session, tickets: Sequence[Ticket], *, lock: bool = False) -> Asks:
    """Authenticate and validate ``tickets`` through ``read`` (participants locked when ``lock``),
    with the errors of the single path: 401, 403, 404 (unknown, or outside the caller's cohort),
    409 (no consent, no open need)."""
    out = Asks()
    ids = sorted({t.participant_id for t in tickets})
    tokens = [t.token for t in tickets if t.principal is None and t.token is not None]
    callers = principals_for_tokens(read, tokens) if tokens else {}
    if lock:
        people = lock_participants(read, ids)
    else:
        people = {p.id: p for p in read.scalars(select(Participant).where(Participant.id.in_(ids)))}
    allowed = consenting(read, ids)
    open_of = open_services_of(read, list(people.values()), utcnow())
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
    """The asks' participants locked in id order, in ask order; :class:`ParticipantChanged` when a
    record or its open needs differ from what the ask was read with."""
    locked = lock_participants(session, [a.participant.id for a in asks])
    open_of = open_services_of(session, list(locked.values()), utcnow())
    for ask in asks:
        current = locked.get(ask.participant.id)
        if current is None or record_of(current) != ask.seen or open_of[current.id] != ask.services:
            raise ParticipantChanged()
    return [locked[a.participant.id] for a in asks]


def consenting(session: Session, participant_ids: list[str]) -> set[str]:
    """Those of ``participant_ids`` with a placement release of information covering today."""
    rows = session.scalars(
        select(Consent).where(Consent.participant_id.in_(participant_ids), Consent.scope == "placement")
    )
    return {c.participant_id for c in rows if consent_active(c)}
