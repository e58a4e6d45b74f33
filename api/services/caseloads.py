"""Assigning participants who completed intake to case managers (``matcher.caseload``, CP-SAT).

Reads the cohort's case managers (locked, so two runs never overfill a caseload) with their
current caseloads, the participants awaiting a case manager with their home, language and any
previous case manager (a returning person's, by pseudonymous person id), drive minutes from home
to each case manager's facility, and writes one assignment per answer; the referral becomes
``participant`` (engaged). The result passes ``matcher.caseload.check`` before it is written.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.frontdoor import CaseAssignment, CaseManager, Facility, Referral
from api.db.models import Participant, utcnow
from api.schemas.referrals import AssignmentOut, AssignmentRunOut
from api.services import audit
from api.services import frontdoor as doors
from api.services.region import RegionContext
from matcher import caseload
from scenarios.frontdoor.travel import drive_minutes


def _previous(session: Session, referral: Referral) -> str | None:
    """The latest case manager of the same person (by person id, else participant id)."""
    key = (
        CaseAssignment.person_id == referral.person_id
        if referral.person_id
        else CaseAssignment.participant_id == referral.participant_id
    )
    return session.scalar(
        select(CaseAssignment.case_manager_id)
        .where(key)
        .order_by(CaseAssignment.assigned_at.desc(), CaseAssignment.id.desc())
        .limit(1)
    )


def pending(session: Session, cohort: str) -> list[Referral]:
    """Referrals of ``cohort`` whose participant completed intake and awaits a case manager."""
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.cohort == cohort, Referral.status == "intake-done", Referral.participant_id.is_not(None))
            .order_by(Referral.intake_at, Referral.id)
            .with_for_update()
        )
    )


def assign_cohort(
    session: Session, principal: Principal, cohort: str, region: RegionContext, *, time_limit_s: float = 5.0
) -> AssignmentRunOut:
    """Assign every participant of ``cohort`` awaiting a case manager; audited per assignment."""
    doors.check_cohort(principal, cohort, "body.cohort")
    rows = list(
        session.scalars(
            select(CaseManager)
            .where(CaseManager.cohort == cohort, CaseManager.active)
            .order_by(CaseManager.id)
            .with_for_update()
        )
    )
    loads = doors.caseloads(session, [m.id for m in rows])
    bases = {f.id: (f.lon, f.lat) for f in session.scalars(select(Facility).where(Facility.cohort == cohort))}
    rows = [m for m in rows if m.facility_id in bases]
    managers = [
        caseload.CaseManager(m.id, m.name, loads[m.id], m.caseload_target, m.caseload_limit, tuple(m.languages))
        for m in rows
    ]
    waiting = pending(session, cohort)
    waiting_ids = [str(r.participant_id) for r in waiting]  # pending() keeps referrals with a participant only
    people = {p.id: p for p in session.scalars(select(Participant).where(Participant.id.in_(waiting_ids)))}
    minutes = (
        drive_minutes(
            region.folder,
            np.array([(people[pid].lon, people[pid].lat) for pid in waiting_ids], dtype=float),
            np.array([bases[m.facility_id] for m in rows], dtype=float),
        )
        if waiting and rows
        else np.zeros((len(waiting), len(rows)))
    )
    newcomers = [
        caseload.Newcomer(
            pid,
            {m.id: float(minutes[i, j]) for j, m in enumerate(rows)},
            people[pid].attributes.get("language"),
            _previous(session, r),
        )
        for i, (pid, r) in enumerate(zip(waiting_ids, waiting))
    ]
    outcome = caseload.assign(managers, newcomers, time_limit_s=time_limit_s)
    problems = caseload.check(managers, newcomers, outcome)
    if problems:
        raise RuntimeError(f"case-manager assignment failed its check: {problems}")
    now = utcnow()
    for referral, answer in zip(waiting, outcome.assignments):
        if answer.case_manager_id is None:
            continue
        session.add(
            CaseAssignment(
                participant_id=answer.participant_id,
                person_id=referral.person_id,
                case_manager_id=answer.case_manager_id,
                travel_minutes=answer.travel_minutes,
                explanation=answer.explanation,
                assigned_at=now,
            )
        )
        audit.record(
            session,
            principal.name,
            "referral.participant",
            "referral",
            referral.id,
            before=referral.status,
            after="participant",
            case_manager_id=answer.case_manager_id,
            participant_id=answer.participant_id,
        )
        referral.status, referral.engaged_at, referral.updated_at = "participant", now, now
    finite = lambda v: None if v != v else round(v, 3)  # noqa: E731  (NaN when the solver found nothing)
    return AssignmentRunOut(
        cohort=cohort,
        status=outcome.status,
        objective=finite(outcome.objective),
        bound=finite(outcome.bound),
        gap=finite(outcome.gap),
        seconds=round(outcome.seconds, 3),
        assignments=[AssignmentOut(**vars(a)) for a in outcome.assignments],
        caseloads=outcome.loads or loads,
    )
