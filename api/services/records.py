"""From database rows to matcher records: providers with live counts, wait lists, participants.

Two views of the stored state:

- the *decision view* for a new request: every slot taken through Handoff (confirmed or held and
  unexpired) counts as occupied, so the matcher only sees slots that are really free;
- the *check view* after a commit: confirmed placements count as occupied and the active holds are
  the result placements, so ``matcher.check`` verifies capacity, eligibility, travel and no-bump
  for every hold against who is waiting now.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import matcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Participant, Placement, Provider, WaitListEntry, utcnow
from api.services.providers import active_condition, local_now
from api.services.region import RegionContext


def need_records(needs: list[dict], services: Iterable[str] | None = None) -> tuple[matcher.Need, ...]:
    """Matcher needs from stored needs (with their windows and declined providers), limited to
    ``services`` when given."""
    keep = None if services is None else set(services)
    return tuple(
        matcher.Need(
            service=n["service"],
            urgency=int(n.get("urgency", 1)),
            subtype=n.get("subtype"),
            windows=tuple(
                matcher.Window(days=tuple(w.get("days", ())), start=w.get("start", "00:00"), end=w.get("end", "24:00"))
                for w in n.get("windows") or ()
            ),
            declined=declined_ids(n),
        )
        for n in needs
        if keep is None or n["service"] in keep
    )


def declined_ids(need: dict) -> tuple[str, ...]:
    """Provider ids declined for a stored need (its ``declined`` records)."""
    return tuple(d["provider_id"] for d in need.get("declined") or ())


def participant_record(p: Participant, services: Iterable[str] | None, known: set[str]) -> matcher.Participant:
    """A matcher participant; preferences are kept only for providers present in the instance."""
    return matcher.Participant(
        participant_id=p.id,
        needs=need_records(p.needs, services),
        max_transit_minutes=float(p.max_transit_minutes),
        attributes=dict(p.attributes),
        preferences=tuple(x for x in p.preferences if x in known),
        lon=p.lon,
        lat=p.lat,
    )


@dataclass(frozen=True)
class Taken:
    """A slot taken at a provider: its category, appointment (ISO) and, for a hold, when it expires."""

    category: str
    appointment: str | None
    expires_at: datetime | None

    def active(self, now: datetime) -> bool:
        """Confirmed, or held and unexpired at ``now``."""
        return self.expires_at is None or self.expires_at > now


def taken_slots(
    session: Session, provider_ids: list[str], now: datetime, statuses: tuple[str, ...] = ("held", "confirmed")
) -> dict[str, list[Taken]]:
    """Per provider: its placements with one of ``statuses`` that take a slot at ``now``."""
    out: dict[str, list[Taken]] = defaultdict(list)
    if not provider_ids:
        return out
    rows = session.execute(
        select(
            Placement.provider_id,
            Placement.category,
            Placement.appointment,
            Placement.status,
            Placement.hold_expires_at,
        ).where(Placement.provider_id.in_(provider_ids), active_condition(now), Placement.status.in_(statuses))
    )
    for provider_id, category, appointment, status, expires_at in rows:
        out[provider_id].append(
            Taken(category, appointment.isoformat() if appointment else None, expires_at if status == "held" else None)
        )
    return out


def usage(taken: Iterable[Taken]) -> tuple[tuple[int, int], set[str]]:
    """The (all, set-aside) counts and the appointment times (ISO) of a provider's taken slots."""
    taken = list(taken)
    return (len(taken), sum(t.category == "set-aside" for t in taken)), {t.appointment for t in taken if t.appointment}


def provider_records(
    session: Session, providers: list[Provider], *, view: str, now: datetime | None = None
) -> list[matcher.Provider]:
    """Matcher providers; ``view`` "decision" folds holds into occupied, "check" folds only confirmed."""
    now = now or utcnow()
    statuses = ("held", "confirmed") if view == "decision" else ("confirmed",)
    taken = taken_slots(session, [p.id for p in providers], now, statuses)
    cutoff = local_now().isoformat() if view == "decision" else ""
    return [provider_record(p, *usage(taken.get(p.id, ())), view=view, cutoff=cutoff) for p in providers]


def provider_record(p, used: tuple[int, int], taken_times: set[str], *, view: str, cutoff: str) -> matcher.Provider:
    """A matcher provider from a provider row (ORM object or Core row) and the (all, set-aside) counts
    and appointment times of its active placements; appointment times up to ``cutoff`` (ISO) are past."""
    times = tuple(t for t in p.appointment_times if t not in taken_times and t > cutoff)
    books = p.service == "clinic" and bool(p.by_appointment)
    occupied, lead_occupied = p.occupied + used[0], p.lead_occupied + used[1]
    if view == "decision":
        occupied, lead_occupied = min(occupied, p.capacity), min(lead_occupied, p.lead_slots, occupied)
    return matcher.Provider(
        provider_id=p.id,
        service=p.service,
        capacity=p.capacity,
        name=p.name,
        subtype=p.subtype,
        occupied=occupied,
        lead_slots=p.lead_slots,
        lead_occupied=lead_occupied,
        monthly_turnover=float(p.monthly_turnover),
        intake_days=float(p.intake_days),
        eligibility=dict(p.eligibility),
        open_hours=p.open_hours,
        appointment_times=times,
        by_appointment=books,
        list_id=p.list_id,
        lon=p.lon,
        lat=p.lat,
    )


def wait_entries(session: Session, list_ids: Iterable[str]) -> list[matcher.WaitListEntry]:
    """Waiting entries of the given lists as matcher records; a participant's entry carries the
    providers they declined (they keep their place but claim no seat there)."""
    ids = sorted(set(list_ids))
    if not ids:
        return []
    rows = session.execute(
        select(
            WaitListEntry.list_id,
            WaitListEntry.person_id,
            WaitListEntry.priority,
            WaitListEntry.lead,
            WaitListEntry.lead_priority,
            WaitListEntry.added,
            WaitListEntry.attributes,
            Participant.needs,
        )
        .outerjoin(Participant, Participant.id == WaitListEntry.person_id)
        .where(WaitListEntry.list_id.in_(ids), WaitListEntry.status == "waiting")
    )
    return [
        matcher.WaitListEntry(
            list_id=e.list_id,
            person_id=e.person_id,
            priority=float(e.priority),
            lead=e.lead,
            lead_priority=e.lead_priority,
            added=e.added.isoformat(),
            status="waiting",
            attributes=dict(e.attributes),
            declined=tuple(sorted({d for n in e.needs or () for d in declined_ids(n)})),
        )
        for e in rows
    ]


def travel(
    region: RegionContext, participants: list[matcher.Participant], providers: list[matcher.Provider]
) -> dict[tuple[str, str], float | None]:
    """Transit minutes for every located participant x provider pair, None where no route (see
    :mod:`api.services.region`)."""
    if not providers:
        return {}
    lons = [s.lon for s in providers]
    lats = [s.lat for s in providers]
    out: dict[tuple[str, str], float | None] = {}
    for p in participants:
        if p.lon is None or p.lat is None:
            continue  # no location, no transit pair (participants from the database always have one)
        minutes = region.travel_minutes(p.lon, p.lat, lons, lats, [s.provider_id for s in providers])
        out.update({(p.participant_id, s.provider_id): minutes_value(m) for s, m in zip(providers, minutes)})
    return out


def arrive_by(
    region: RegionContext,
    participants: list[matcher.Participant],
    providers: list[matcher.Provider],
    minutes: dict[tuple[str, str], float | None],
) -> dict[tuple[str, str, str], float | None]:
    """Arrive-by transit minutes per (participant, clinic, listed time) for the clinics that book
    times: the one place the placement service asks for them. They come from the region's travel
    service (:meth:`RegionContext.arrive_by_minutes`, the same as ``handoff match``); where it has
    none (no region with transit, a date the feeds do not cover) the home transit ``minutes`` (as
    :func:`travel` makes them) stand in for each time, the matcher's documented fallback."""
    booking = [s for s in providers if s.books_times]
    exact = region.arrive_by_minutes(participants, booking) if booking else {}
    return {
        (p.participant_id, s.provider_id, t): exact.get(
            (p.participant_id, s.provider_id, t), minutes.get((p.participant_id, s.provider_id))
        )
        for s in booking
        for t in s.appointment_times
        for p in participants
    }


def minutes_value(minutes: float) -> float | None:
    """Transit minutes as an instance holds them: rounded to 0.01, None (unreachable) for NaN."""
    return None if math.isnan(minutes) else round(float(minutes), 2)


def placement_record(row: Placement) -> matcher.Placement:
    """A stored placement as a matcher placement."""
    return matcher.Placement(
        participant_id=row.participant_id,
        provider_id=row.provider_id,
        service=row.service,
        category=row.category,
        transit_minutes=row.transit_minutes,
        appointment=row.appointment.isoformat() if row.appointment else None,
        expected_start=row.expected_start.isoformat() if row.expected_start else None,
        explanation=row.explanation,
    )


def check_view(
    session: Session, region: RegionContext, provider_ids: Iterable[str] | None = None, now: datetime | None = None
) -> tuple[matcher.Instance, matcher.Result, dict[str, list[Placement]]]:
    """The check view of the pools (wait lists) of ``provider_ids`` (all providers when None).

    Returns the instance, the result made of active holds, and the hold rows by provider id."""
    now = now or utcnow()
    query = select(Provider)
    if provider_ids is not None:
        lists = select(Provider.list_id).where(Provider.id.in_(list(provider_ids)))
        query = query.where(Provider.list_id.in_(lists))
    providers = list(session.scalars(query.order_by(Provider.id)))
    ids = [p.id for p in providers]
    holds = (
        list(
            session.scalars(
                select(Placement)
                .where(Placement.provider_id.in_(ids), Placement.status == "held", Placement.hold_expires_at > now)
                .order_by(Placement.created_at, Placement.id)
            )
        )
        if ids
        else []
    )
    by_participant: dict[str, set[str]] = defaultdict(set)
    for h in holds:
        by_participant[h.participant_id].add(h.service)
    records = provider_records(session, providers, view="check", now=now)
    known = set(ids)
    people = (
        [
            participant_record(p, by_participant[p.id], known)
            for p in session.scalars(
                select(Participant).where(Participant.id.in_(list(by_participant))).order_by(Participant.id)
            )
        ]
        if by_participant
        else []
    )
    minutes = travel(region, people, records)
    instance = matcher.Instance(
        participants=people,
        providers=records,
        wait_list=wait_entries(session, {p.list_id for p in providers}),
        travel_minutes=minutes,
        arrive_by_minutes=arrive_by(region, people, records, minutes),
        provider_travel_minutes=region.provider_travel_minutes(records),
        as_of=local_now().date().isoformat(),
        region=region.name,
    )
    result = matcher.Result(placements=[placement_record(h) for h in holds], mode="coverage", method="stored")
    rows: dict[str, list[Placement]] = defaultdict(list)
    for h in holds:
        rows[h.provider_id].append(h)
    return instance, result, rows
