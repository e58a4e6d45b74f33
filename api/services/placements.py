"""Writing a decision: one transaction that claims the pools, checks the holds and writes them.

The write side of the placement seam (the decide side is :mod:`api.services.decide`, pure). In
the caller's transaction, with the participants already locked and found as read
(:func:`api.services.placing.lock_asks`):

1. :func:`claim_pools` locks the pools of the chosen providers (``SELECT ... FOR UPDATE`` in id
   order inside the ``UPDATE`` that bumps their versions; SQLite: ``BEGIN IMMEDIATE``). Every
   provider whose wait list, capacity or placements change bumps its version, so equal versions
   mean the snapshot is the current state of those pools;
2. :func:`check_decision` runs ``matcher.check`` (capacity, eligibility, travel, appointments,
   no-bump) on the decision's placements: on the snapshot's own instance when the pools are
   unchanged, else on those pools read again under the locks; a violation raises
   :class:`Changed` and the caller rolls back;
3. :func:`add_request` (a placement request) or :func:`add_holds` (a batch round's existing
   requests) adds the holds, the request's stored answer (:func:`outcome`: per need the hold or
   the wait positions, with the matcher's explanation) and the audit rows to a :class:`Rows`,
   which inserts them all at once (:meth:`Rows.insert`: one statement on PostgreSQL,
   :func:`api.db.bulk.insert_tables`, not the ORM's unit of work, whose per-object bookkeeping was a
   sixth of a desk batch's CPU, nor a statement per row).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import matcher
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.bulk import insert_tables
from api.db.models import AuditEntry, Base, Participant, Placement, PlacementRequest, Provider, utcnow
from api.services import audit
from api.services.decide import Decision, snapshot_instance
from api.services.region import RegionContext
from api.services.snapshot import Snapshot, read_pools

log = logging.getLogger("handoff.api")


class Changed(Exception):
    """A pool changed so that the decision's holds no longer fit: roll back and decide again."""


@dataclass
class Rows:
    """New placement requests, holds and audit rows of one write transaction, inserted together by
    :meth:`insert`. The request and hold objects are the ones the answer is built from: plain
    (transient) ORM objects with every column set, never added to a session."""

    requests: list[PlacementRequest] = field(default_factory=list)
    holds: list[Placement] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)

    def insert(self, session: Session) -> None:
        """Insert every row in ``session``'s transaction: requests, then holds (they name their
        request), then audit rows in the order they were added; one statement (PostgreSQL) or one per table."""
        connection = session.connection()
        insert_tables(
            connection,
            [
                (PlacementRequest, [columns(r) for r in self.requests]),
                (Placement, [columns(h) for h in self.holds]),
                (AuditEntry, self.audit),
            ],
        )
        self.requests, self.holds, self.audit = [], [], []


def columns(row: Base) -> dict:
    """The column values of an ORM object, by column name."""
    return {c.name: getattr(row, c.key) for c in row.__mapper__.columns}


def add_holds(
    rows: Rows, result: matcher.Result, request_of: dict[str, PlacementRequest], hold_minutes: float, actor: str
) -> tuple[list[Placement], datetime]:
    """Add the result's placements as holds with their audit rows to ``rows``; returns (holds, now)."""
    now = utcnow()
    holds = []
    expires = now + timedelta(minutes=hold_minutes)
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
            reason="",
            decline_reason=None,
            hold_expires_at=expires,
            created_at=now,
            updated_at=now,
        )
        rows.holds.append(row)
        holds.append(row)
        rows.audit.append(
            audit.row(
                actor,
                "placement.hold",
                "placement",
                row.id,
                request_id=row.request_id,
                participant_id=row.participant_id,
                provider_id=row.provider_id,
                service=row.service,
                expires_at=expires.isoformat(),
            )
        )
    return holds, now


def claim_pools(session: Session, snap: Snapshot, chosen: set[str]) -> dict[str, int] | None:
    """Lock the pools of the ``chosen`` providers in id order and bump their versions in one
    statement; returns the new versions, or None when a pool changed since ``snap`` (a version moved
    or a provider came or went)."""
    lists = snap.pools_of(chosen)
    if not lists:
        return {}
    locked = (
        select(Provider.id)
        .where(Provider.list_id.in_(lists), Provider.archived.is_(False))
        .order_by(Provider.id)
        .with_for_update()
        .cte("locked")
    )
    bumped: dict[str, int] = {
        pid: version
        for pid, version in session.execute(
            update(Provider)
            .where(Provider.id.in_(select(locked.c.id)))
            .values(version=Provider.version + 1, updated_at=utcnow())
            .returning(Provider.id, Provider.version)
            .execution_options(synchronize_session=False)
        ).all()
    }
    expected = {pid for list_id in lists for pid in snap.pools[list_id]}
    unchanged = set(bumped) == expected and all(snap.versions[pid] == version - 1 for pid, version in bumped.items())
    return bumped if unchanged else None


def check_decision(
    session: Session,
    region: RegionContext,
    snap: Snapshot,
    decision: Decision,
    participants: list[Participant],
    services_of: dict[str, set[str]],
) -> dict[str, int] | None:
    """Claim the chosen pools (:func:`claim_pools`) and run ``matcher.check`` on the decision's
    placements: on the snapshot's instance when the pools are as read, else on the pools read again
    under the locks for ``participants`` (locked, open needs ``services_of``). Raises
    :class:`Changed` on a violation; returns the claimed pools' new versions (None when a pool
    had changed)."""
    chosen = {pl.provider_id for pl in decision.placements.placements}
    versions = claim_pools(session, snap, chosen)
    if versions is not None:
        view = decision.view
    else:
        view = snapshot_instance(region, read_pools(session, region, participants, services_of, chosen))
    found = matcher.check(view, decision.placements)
    if found:
        if versions is not None:
            log.error("the decision fails matcher.check on its own snapshot: %s", found)
        else:
            log.info("placement: %d participant(s) fail matcher.check (%s)", len(participants), found[0].message)
        raise Changed()
    return versions


def outcome(participant: Participant, result: matcher.Result, holds: list[Placement]) -> list[dict]:
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


def settle(
    request: PlacementRequest,
    participant: Participant,
    services: set[str],
    result: matcher.Result,
    holds: list[Placement],
    candidates: int,
) -> None:
    """Store on ``request`` its answer for the open needs ``services``: its status (placed, partial
    or waiting), per need the hold or the wait positions (:func:`outcome`) and the solver report."""
    needs = outcome(participant, result, holds)
    held = sum(1 for n in needs if n["placement_id"] and n["service"] in services)
    request.status = "placed" if held == len(services) else ("partial" if held else "waiting")
    request.result = {"needs": needs, "solver": solver_report(result, candidates)}


def add_request(
    rows: Rows,
    principal: Principal,
    participant: Participant,
    services: set[str],
    result: matcher.Result,
    hold_minutes: float,
    candidates: int,
) -> tuple[PlacementRequest, list[Placement]]:
    """Add a request for the open needs ``services`` with the result's holds and their audit rows to ``rows``."""
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
    rows.requests.append(request)
    holds, _ = add_holds(rows, result, {participant.id: request}, hold_minutes, principal.name)
    settle(request, participant, services, result, holds, candidates)
    rows.audit.append(
        audit.row(
            principal.name,
            "placement_request.create",
            "placement_request",
            request.id,
            participant_id=participant.id,
            status=request.status,
            holds=[h.id for h in holds],
        )
    )
    return request, holds
