"""Placement requests and their holds: solve outside the lock, write under it, retry on change.

A request reads a decision-view snapshot, asks ``matcher.place_one``, then in one transaction locks the
participant and the chosen providers (``SELECT ... FOR UPDATE`` in id order; SQLite: ``BEGIN
IMMEDIATE``), checks that no chosen provider changed since the snapshot (its ``version``), writes
the request, its holds and their audit rows, runs ``matcher.check`` on the touched pools and
commits. A changed provider or a failed check rolls back and the request is solved again; the
last attempt solves while holding the locks, so it cannot lose the race again.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import matcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.db.models import Participant, Placement, PlacementRequest, utcnow
from api.errors import ApiError, conflict
from api.services import audit
from api.services import participants as participant_service
from api.services.holds import violations
from api.services.matching import Snapshot, candidate_ids, snapshot
from api.services.providers import active_condition, bump, lock_providers
from api.services.region import RegionContext

ATTEMPTS = 6


@dataclass(frozen=True)
class Budget:
    """How a request is solved: default hold minutes, candidate count per need, solver seconds."""

    hold_minutes: float
    candidates_per_need: int
    time_limit_s: float


class Retry(Exception):
    """The state changed between snapshot and write; solve again."""


def open_services(session: Session, participant: Participant, now: datetime) -> set[str]:
    """Services the participant needs that have no held (unexpired) or confirmed placement."""
    covered = set(session.scalars(select(Placement.service).where(Placement.participant_id == participant.id,
                                                                  active_condition(now))))
    return {n["service"] for n in participant.needs} - covered


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


def stage_holds(session: Session, result: matcher.Result, snap: Snapshot | None, request_of: dict[str, PlacementRequest],
                hold_minutes: float, actor: str) -> tuple[list[Placement], set[str], datetime]:
    """Lock the chosen providers, check their versions against ``snap`` (:class:`Retry` when one
    changed) and add the holds with their audit rows, unflushed; returns (holds, chosen ids, now)."""
    chosen = {pl.provider_id for pl in result.placements}
    locked = lock_providers(session, chosen)
    if snap is not None and any(locked[pid].version != snap.versions[pid] for pid in chosen):
        raise Retry()
    now = utcnow()
    rows = []
    for pl in result.placements:
        row = Placement(id=str(uuid.uuid4()), request_id=request_of[pl.participant_id].id,
                        participant_id=pl.participant_id, provider_id=pl.provider_id, service=pl.service,
                        category=pl.category, status="held", transit_minutes=pl.transit_minutes,
                        appointment=datetime.fromisoformat(pl.appointment) if pl.appointment else None,
                        expected_start=date.fromisoformat(pl.expected_start) if pl.expected_start else None,
                        explanation=pl.explanation, hold_expires_at=now + timedelta(minutes=hold_minutes),
                        created_at=now, updated_at=now)
        session.add(row)
        rows.append(row)
        audit.record(session, actor, "placement.hold", "placement", row.id, request_id=row.request_id,
                     participant_id=row.participant_id, provider_id=row.provider_id, service=row.service,
                     expires_at=row.hold_expires_at.isoformat())
    return rows, chosen, now


def verify_holds(session: Session, chosen: set[str], region: RegionContext, now: datetime) -> None:
    """Write everything staged, bump the chosen providers and run ``matcher.check`` on their pools
    (:class:`Retry` on any violation, so nothing inadmissible is ever committed)."""
    bump(session, chosen)
    session.flush()
    if chosen:
        found, _ = violations(session, region, chosen, now)
        if found:
            raise Retry()


def write_holds(session: Session, result: matcher.Result, snap: Snapshot | None, request_of: dict[str, PlacementRequest],
                hold_minutes: float, actor: str, region: RegionContext) -> list[Placement]:
    """Stage and verify the result's holds under locks (see :func:`stage_holds`, :func:`verify_holds`)."""
    rows, chosen, now = stage_holds(session, result, snap, request_of, hold_minutes, actor)
    verify_holds(session, chosen, region, now)
    return rows


def outcome(participant: Participant, result: matcher.Result, holds: list[Placement]) -> dict:
    """The stored per-need answer of a request: placement id, wait positions, explanation."""
    needs = []
    for need in participant.needs:
        service = need["service"]
        held = next((h for h in holds if h.service == service and h.participant_id == participant.id), None)
        unmet = next((u for u in result.unmet if u.participant_id == participant.id and u.service == service), None)
        waits = [matcher.result_to_dict(matcher.Result(wait_positions=[w]))["wait_positions"][0]
                 for w in result.wait_positions if w.participant_id == participant.id and w.service == service]
        explanation = held.explanation if held else (unmet.explanation if unmet else
                                                     "Already placed or not asked for in this request.")
        needs.append({"service": service, "urgency": int(need.get("urgency", 1)),
                      "placement_id": held.id if held else None, "wait_positions": waits,
                      "explanation": explanation})
    return needs


def solver_report(result: matcher.Result, candidates: int) -> dict:
    """The solver's status, objective, bound, gap and seconds for the response."""
    return {"method": result.method, "status": result.status, "objective": result.objective,
            "bound": result.bound, "gap": result.gap, "seconds": result.seconds, "candidates": candidates}


def _status(needs: list[dict], open_now: set[str]) -> str:
    held = sum(1 for n in needs if n["placement_id"] and n["service"] in open_now)
    return "placed" if held == len(open_now) else ("partial" if held else "waiting")


def _attempt(session: Session, read: Session, principal: Principal, participant_id: str, budget: Budget,
             hold_minutes: float, region: RegionContext, locked: bool) -> PlacementRequest:
    """One try: read a snapshot through ``read`` (``session`` itself when ``locked``), place, write."""
    participant = participant_service.get(read, principal, participant_id, lock=locked, field="body.participant_id")
    if not participant_service.has_active_consent(read, participant.id):
        raise conflict(f"Participant {participant.id!r} has no release of information covering today; record one "
                       f"with POST /v1/participants/{participant.id}/consents.", "body.participant_id",
                       "no active consent", slug="no-consent")
    now = utcnow()
    services = open_services(read, participant, now)
    if not services:
        raise conflict(f"Every need of {participant.id!r} has a held or confirmed placement; confirm, decline or "
                       "release one first.", "body.participant_id", "no open need", slug="no-open-need")
    ids = candidate_ids(read, region, [participant], {participant.id: services}, budget.candidates_per_need)
    if locked:
        lock_providers(session, ids)
    snap = snapshot(read, region, [participant], {participant.id: services}, ids)
    if read is not session:
        read.rollback()
    result = place_one(snap.instance)
    if not locked:
        participant = participant_service.get(session, principal, participant_id, lock=True)
        if open_services(session, participant, utcnow()) != services:
            raise Retry()
    request = PlacementRequest(id=str(uuid.uuid4()), participant_id=participant.id, status="waiting",
                               hold_minutes=hold_minutes, created_by=principal.name, created_at=now, updated_at=now)
    holds, chosen, held_at = stage_holds(session, result, None if locked else snap, {participant.id: request},
                                         hold_minutes, principal.name)
    needs = outcome(participant, result, holds)
    request.status = _status(needs, services)
    request.result = {"needs": needs, "solver": solver_report(result, len(ids))}
    session.add(request)
    audit.record(session, principal.name, "placement_request.create", "placement_request", request.id,
                 participant_id=participant.id, status=request.status, holds=[h.id for h in holds])
    verify_holds(session, chosen, region, held_at)
    return request


def request_placement(sessions: sessionmaker[Session], principal: Principal, participant_id: str,
                      hold_minutes: float | None, budget: Budget, region: RegionContext,
                      lookups: sessionmaker[Session] | None = None) -> PlacementRequest:
    """Solve and hold placements for a participant's open needs; returns the committed request.

    ``lookups`` makes the sessions for the snapshot reads (autocommit on PostgreSQL)."""
    minutes = hold_minutes if hold_minutes is not None else budget.hold_minutes
    for attempt in range(ATTEMPTS):
        locked = attempt == ATTEMPTS - 1
        with sessions() as session, (lookups or sessions)() as reader:
            try:
                read = session if locked else reader
                request = _attempt(session, read, principal, participant_id, budget, minutes, region, locked)
                session.commit()
                return request
            except Retry:
                session.rollback()
    raise ApiError(409, "Conflict with current state", "Capacity kept changing while placing; send the request again.",
                   slug="busy", errors=[("body.participant_id", "state changed during every attempt")])
