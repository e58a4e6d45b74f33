"""Placement requests and their holds: solve outside the lock, write under it, retry on change.

A request reads a decision-view snapshot of the candidate providers' pools (autocommit reads),
asks ``matcher.place_one``, then in one transaction locks the participant (its record must not
have changed) and the pools of the chosen providers (``SELECT ... FOR UPDATE`` in id order inside
the ``UPDATE`` that bumps their versions; SQLite: ``BEGIN IMMEDIATE``). Every provider whose wait
list, capacity or placements change bumps its version, so equal versions mean the snapshot is the
current state of those pools and the holds are checked there by ``matcher.check``; when a pool
changed, its current state is read again under the locks and the holds are checked on that. Then
they are written with their audit rows. A failed check rolls back and the request is solved
again; the last attempt solves while holding the locks, so it cannot lose the race again.

The placement desk (:mod:`api.services.desk`) serves concurrent requests in batches with the same
steps and falls back to :func:`request_placement` one request at a time.

A batch round (:func:`write_holds`) instead re-reads the pools it touched after writing and runs
``matcher.check`` on that check view.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import matcher
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db.models import Participant, Placement, PlacementRequest, Provider, utcnow
from api.errors import ApiError, conflict
from api.services import audit
from api.services import participants as participant_service
from api.services.holds import violations
from api.services.matching import Snapshot, candidate_ids, snapshot
from api.services.providers import active_condition, bump, lock_providers
from api.services.region import RegionContext
from api.services.transit_note import with_feed_note

ATTEMPTS = 6
log = logging.getLogger("handoff.api")


@dataclass(frozen=True)
class Budget:
    """How a request is solved: default hold minutes, candidate count per need, solver seconds."""

    hold_minutes: float
    candidates_per_need: int
    time_limit_s: float


class Retry(Exception):
    """The state changed between snapshot and write; solve again."""


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


def open_services(session: Session, participant: Participant, now: datetime) -> set[str]:
    """Services the participant needs that have no held (unexpired) or confirmed placement."""
    return open_services_of(session, [participant], now)[participant.id]


def solve(instance: matcher.Instance, time_limit_s: float) -> matcher.Result:
    """The matcher's answer for a decision-view round (CP-SAT, one search thread, reproducible)."""
    if not instance.participants:
        return matcher.Result(status="OPTIMAL", method="none")
    return matcher.solve(instance, mode="coverage", time_limit_s=time_limit_s, seed=0, workers=1)


def place_one(instance: matcher.Instance) -> matcher.Result:
    """The matcher's answer for one participant against the decision view (``matcher.place_one``:
    everyone already waiting keeps their place; milliseconds)."""
    if not instance.participants:
        return matcher.Result(status="OPTIMAL", method="none")
    return matcher.place_one(instance, instance.participants[0])


def add_holds(
    session: Session, result: matcher.Result, request_of: dict[str, PlacementRequest], hold_minutes: float, actor: str
) -> tuple[list[Placement], datetime]:
    """Add the result's placements as holds with their audit rows, unflushed; returns (holds, now)."""
    now = utcnow()
    rows = []
    for pl in result.placements:
        row = Placement(
            id=str(uuid.uuid4()),
            request_id=request_of[pl.participant_id].id,
            participant_id=pl.participant_id,
            provider_id=pl.provider_id,
            service=pl.service,
            category=pl.category,
            status="held",
            transit_minutes=pl.transit_minutes,
            appointment=datetime.fromisoformat(pl.appointment) if pl.appointment else None,
            expected_start=date.fromisoformat(pl.expected_start) if pl.expected_start else None,
            explanation=pl.explanation,
            hold_expires_at=now + timedelta(minutes=hold_minutes),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        rows.append(row)
        audit.record(
            session,
            actor,
            "placement.hold",
            "placement",
            row.id,
            request_id=row.request_id,
            participant_id=row.participant_id,
            provider_id=row.provider_id,
            service=row.service,
            expires_at=row.hold_expires_at.isoformat(),
        )
    return rows, now


def write_holds(
    session: Session,
    result: matcher.Result,
    request_of: dict[str, PlacementRequest],
    hold_minutes: float,
    actor: str,
    region: RegionContext,
) -> list[Placement]:
    """A batch round's holds: lock the chosen providers, add the holds, bump the providers and run
    ``matcher.check`` on the re-read pools (:class:`Retry` on any violation)."""
    chosen = {pl.provider_id for pl in result.placements}
    lock_providers(session, chosen)
    rows, now = add_holds(session, result, request_of, hold_minutes, actor)
    bump(session, chosen)
    session.flush()
    if chosen:
        found, _ = violations(session, region, chosen, now)
        if found:
            raise Retry()
    return rows


def lock_pools(session: Session, provider_ids: set[str]) -> None:
    """Lock the pools of ``provider_ids`` (they and their wait-list mates) in id order."""
    if provider_ids:
        pools = select(Provider.list_id).where(Provider.id.in_(sorted(provider_ids)))
        session.execute(select(Provider.id).where(Provider.list_id.in_(pools)).order_by(Provider.id).with_for_update())


def claim_pools(session: Session, snap: Snapshot, chosen: set[str]) -> dict[str, int] | None:
    """Lock the pools of the chosen providers in id order and bump their versions in one statement;
    returns the new versions, or None when a pool changed since ``snap`` (a version moved or a
    provider came or went)."""
    lists = sorted({snap.list_of[pid] for pid in chosen})
    if not lists:
        return {}
    locked = (
        select(Provider.id)
        .where(Provider.list_id.in_(lists), Provider.archived.is_(False))
        .order_by(Provider.id)
        .with_for_update()
        .cte("locked")
    )
    bumped = dict(
        session.execute(
            update(Provider)
            .where(Provider.id.in_(select(locked.c.id)))
            .values(version=Provider.version + 1, updated_at=utcnow())
            .returning(Provider.id, Provider.version)
            .execution_options(synchronize_session=False)
        ).all()
    )
    expected = {pid for pid, list_id in snap.list_of.items() if list_id in set(lists)}
    unchanged = set(bumped) == expected and all(snap.versions[pid] == version - 1 for pid, version in bumped.items())
    return bumped if unchanged else None


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


def outcome(participant: Participant, result: matcher.Result, holds: list[Placement]) -> dict:
    """The stored per-need answer of a request: placement id, wait positions, explanation."""
    needs = []
    for need in participant.needs:
        service = need["service"]
        held = next((h for h in holds if h.service == service and h.participant_id == participant.id), None)
        unmet = next((u for u in result.unmet if u.participant_id == participant.id and u.service == service), None)
        waits = [
            dict(vars(w))
            for w in result.wait_positions  # a WaitPosition's fields are all plain values
            if w.participant_id == participant.id and w.service == service
        ]
        explanation = (
            held.explanation
            if held
            else (unmet.explanation if unmet else "Already placed or not asked for in this request.")
        )
        needs.append(
            {
                "service": service,
                "urgency": int(need.get("urgency", 1)),
                "placement_id": held.id if held else None,
                "wait_positions": waits,
                "explanation": explanation,
            }
        )
    return needs


def solver_report(result: matcher.Result, candidates: int) -> dict:
    """The solver's status, objective, bound, gap and seconds for the response."""
    return {
        "method": result.method,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": result.seconds,
        "candidates": candidates,
    }


def _status(needs: list[dict], open_now: set[str]) -> str:
    held = sum(1 for n in needs if n["placement_id"] and n["service"] in open_now)
    return "placed" if held == len(open_now) else ("partial" if held else "waiting")


def _attempt(
    session: Session,
    read: Session,
    principal: Principal,
    participant_id: str,
    budget: Budget,
    hold_minutes: float,
    region: RegionContext,
    locked: bool,
) -> tuple[PlacementRequest, list[Placement]]:
    """One try: read a snapshot through ``read`` (``session`` itself when ``locked``), place, write."""
    participant = participant_service.get(read, principal, participant_id, lock=locked, field="body.participant_id")
    if not participant_service.has_active_consent(read, participant.id):
        raise no_consent(participant.id)
    services = open_services(read, participant, utcnow())
    if not services:
        raise no_open_need(participant.id)
    ids = candidate_ids(read, region, [participant], {participant.id: services}, budget.candidates_per_need)
    if locked:
        lock_pools(session, ids)
    snap = snapshot(read, region, [participant], {participant.id: services}, ids)
    if read is not session:
        seen = record_of(participant)
        read.rollback()
    result = place_one(snap.instance)
    if not locked:
        participant = participant_service.get(session, principal, participant_id, lock=True)
        if record_of(participant) != seen or open_services(session, participant, utcnow()) != services:
            raise Retry()
    chosen = {pl.provider_id for pl in result.placements}
    unchanged = claim_pools(session, snap, chosen) is not None
    view = snap if unchanged else snapshot(session, region, [participant], {participant.id: services}, chosen)
    found = matcher.check(view.instance, result)
    if found:
        if unchanged:
            log.error("place_one's answer fails matcher.check on its own snapshot: %s", found)
        raise Retry()
    noted = with_feed_note(result, region.feed_warning())
    return add_request(session, principal, participant, services, noted, hold_minutes, len(ids))


def add_request(
    session: Session,
    principal: Principal,
    participant: Participant,
    services: set[str],
    result: matcher.Result,
    hold_minutes: float,
    candidates: int,
) -> tuple[PlacementRequest, list[Placement]]:
    """Add a request for the open needs ``services`` with the result's holds and their audit rows, unflushed."""
    now = utcnow()
    request = PlacementRequest(
        id=str(uuid.uuid4()),
        participant_id=participant.id,
        status="waiting",
        hold_minutes=hold_minutes,
        created_by=principal.name,
        created_at=now,
        updated_at=now,
    )
    holds, _ = add_holds(session, result, {participant.id: request}, hold_minutes, principal.name)
    needs = outcome(participant, result, holds)
    request.status = _status(needs, services)
    request.result = {"needs": needs, "solver": solver_report(result, candidates)}
    session.add(request)
    audit.record(
        session,
        principal.name,
        "placement_request.create",
        "placement_request",
        request.id,
        participant_id=participant.id,
        status=request.status,
        holds=[h.id for h in holds],
    )
    return request, holds


def request_placement(
    sessions: sessionmaker[Session],
    principal: Principal,
    participant_id: str,
    hold_minutes: float | None,
    budget: Budget,
    region: RegionContext,
    lookups: sessionmaker[Session] | None = None,
) -> tuple[PlacementRequest, list[Placement]]:
    """Solve and hold placements for a participant's open needs; returns the committed request and its holds.

    ``lookups`` makes the sessions for the snapshot reads (autocommit on PostgreSQL)."""
    minutes = hold_minutes if hold_minutes is not None else budget.hold_minutes
    for attempt in range(ATTEMPTS):
        locked = attempt == ATTEMPTS - 1
        with sessions() as session, (lookups or sessions)() as reader:
            try:
                read = session if locked else reader
                request, holds = _attempt(session, read, principal, participant_id, budget, minutes, region, locked)
                session.commit()
                return request, holds
            except Retry:
                session.rollback()
    raise ApiError(
        409,
        "Conflict with current state",
        "Capacity kept changing while placing; send the request again.",
        slug="busy",
        errors=[("body.participant_id", "state changed during every attempt")],
    )
