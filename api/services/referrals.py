"""Referrals to LEAD: the hand-off answer, the status flow, intake and what each role may see.

Statuses: ``referred -> handed-off -> intake-done -> participant`` (a case manager assigned), or
``-> not-engaged`` from any open status (no penalty: the person may be referred again). Every
change is audited in the same transaction. Officers see only their own referrals, and of those
only the outcome fields (handed off, intake done, engaged yes / not yet); referrals outside the
caller's scope answer 404, as if they did not exist.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal, forbidden
from api.db.frontdoor import CaseAssignment, CaseManager, Facility, FrontDoor, Referral
from api.db.models import Participant, utcnow
from api.errors import conflict, invalid, not_found
from api.schemas.participants import ParticipantCreate, ParticipantUpdate
from api.schemas.referrals import (
    HandedOffIn,
    HandoffOptionOut,
    HandoffOut,
    IntakeIn,
    NotEngagedIn,
    OutcomeOut,
    QueueItem,
    ReferralIn,
    ReferralOut,
)
from api.services import audit
from api.services import frontdoor as doors
from api.services import participants
from api.services.region import RegionContext
from scenarios.frontdoor.availability import DEFAULT_TIMEZONE
from scenarios.frontdoor.handoff import handoff_answer
from scenarios.frontdoor.travel import drive_minutes

OPEN = ("referred", "handed-off", "intake-done")
AWAITING_INTAKE = ("referred", "handed-off")


def cohort_for(body: ReferralIn, region: RegionContext) -> str:
    """The referral's cohort: the one given, else the cohort whose members include the
    municipality or police zone (422 naming ``body.cohort`` when none does)."""
    if body.cohort:
        participants.check_cohort(region, body.cohort, "body.cohort")
        return body.cohort
    for cohort, members in region.cohorts.items():
        if body.municipality in members or (body.zone and body.zone in members):
            return cohort
    raise invalid(
        "body.cohort",
        f"no cohort covers municipality {body.municipality!r}",
        "Name the cohort, or a municipality or police zone that belongs to one.",
    )


def handoff_now(
    session: Session, region: RegionContext, cohort: str, position: tuple[float, float], now: datetime
) -> tuple[HandoffOut, FrontDoor | None]:
    """The hand-off answer at ``now`` for an officer at ``position`` (lon, lat) in ``cohort``, and
    the cohort's front door (None when none is configured)."""
    door, facilities, managers = doors.handoff_inputs(session, cohort)
    answer = handoff_answer(
        position,
        now,
        facilities,
        managers,
        doors.covered_hours(door),
        lambda o, d: drive_minutes(region.folder, o, d),
        callout_minutes=door.callout_minutes if door else 0.0,
    )
    option = lambda o: HandoffOptionOut(
        kind=o.kind,
        id=o.id,
        name=o.name,
        minutes=round(o.minutes, 1),  # noqa: E731
        explanation=o.explanation,
    )
    return HandoffOut(
        available=answer.available,
        mode=answer.mode,
        best=option(answer.best) if answer.best else None,
        options=[option(o) for o in answer.options],
        next_available=answer.next_available,
        covered_hours=answer.covered_hours,
        phone=door.phone if door else "",
        instructions=door.instructions if door else "",
        advice=answer.advice,
    ), door


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date of ``instant`` in time zone ``zone``."""
    return instant.astimezone(ZoneInfo(zone)).date()


def create(session: Session, principal: Principal, body: ReferralIn, region: RegionContext) -> Referral:
    """Record a referral with its hand-off answer; the intake clock starts. Audited."""
    if not body.consent:
        raise invalid(
            "body.consent",
            "the person has not consented to be referred",
            "A referral needs the person's consent; without it, no referral is recorded.",
        )
    if principal.role == "officer" and body.department not in (None, principal.department):
        raise forbidden(principal, f"refer for department {body.department!r} (only {principal.department!r})")
    cohort = cohort_for(body, region)
    if principal.role == "coordinator" and cohort != principal.cohort:
        raise forbidden(principal, f"record referrals for cohort {cohort!r} (only {principal.cohort!r})")
    region.check_point(body.lon, body.lat)
    now = body.occurred_at or utcnow()
    answer, door = handoff_now(session, region, cohort, (body.lon, body.lat), now)
    deadline = door.intake_deadline_days if door else 14
    zone = door.timezone if door else DEFAULT_TIMEZONE
    referral = Referral(
        id=str(uuid.uuid4()),
        route=body.route,
        occurred_at=now,
        lon=body.lon,
        lat=body.lat,
        cohort=cohort,
        municipality=body.municipality,
        department=(principal.department if principal.role == "officer" else body.department) or "",
        zone=body.zone,
        offence=body.offence or "",
        race=body.race,
        consent=True,
        person_id=body.person_id,
        status="referred",
        officer=principal.name,
        available=answer.available,
        handoff=answer.model_dump(mode="json"),
        intake_due=local_date(now, zone) + timedelta(days=deadline),
        note="",
    )
    session.add(referral)
    audit.record(
        session,
        principal.name,
        "referral.create",
        "referral",
        referral.id,
        route=body.route,
        cohort=cohort,
        available=answer.available,
        handoff=answer.best.kind if answer.best else "not available",
    )
    return referral


def get(session: Session, principal: Principal, referral_id: str, *, lock: bool = False) -> Referral:
    """The referral (404 when unknown or outside the caller's scope: an officer's own, a
    coordinator's cohort)."""
    query = select(Referral).where(Referral.id == referral_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    referral = session.scalar(query)
    if referral is None or not in_scope(principal, referral):
        raise not_found("referral", referral_id, "path.referral_id")
    return referral


def in_scope(principal: Principal, referral: Referral) -> bool:
    """Whether ``principal`` may see ``referral`` at all."""
    if principal.role == "officer":
        return referral.officer == principal.name
    if principal.role == "coordinator":
        return referral.cohort == principal.cohort
    return principal.role == "admin"


def outcome(referral: Referral) -> OutcomeOut:
    """The outcome fields, all an officer is shown (42 CFR Part 2 and HIPAA minimum necessary)."""
    return OutcomeOut(
        id=referral.id,
        route=referral.route,
        occurred_at=referral.occurred_at,
        handed_off=referral.handed_off_at is not None,
        intake_done=referral.intake_at is not None,
        engaged="yes" if referral.status == "participant" else "not yet",
    )


def days_left(referral: Referral, today: date | None = None) -> int:
    """Days until the intake deadline (negative when overdue)."""
    return (referral.intake_due - (today or date.today())).days


def case_manager_of(session: Session, participant_id: str | None) -> str | None:
    """The participant's current case manager id, if any."""
    if participant_id is None:
        return None
    return session.scalar(
        select(CaseAssignment.case_manager_id).where(
            CaseAssignment.participant_id == participant_id, CaseAssignment.ended_at.is_(None)
        )
    )


def to_out(session: Session, referral: Referral) -> ReferralOut:
    """A referral as a coordinator sees it."""
    return ReferralOut(
        id=referral.id,
        route=referral.route,
        status=referral.status,
        occurred_at=referral.occurred_at,
        lon=referral.lon,
        lat=referral.lat,
        cohort=referral.cohort,
        municipality=referral.municipality,
        department=referral.department,
        zone=referral.zone,
        offence=referral.offence,
        race=referral.race,
        consent=referral.consent,
        person_id=referral.person_id,
        officer=referral.officer,
        available=referral.available,
        handoff=HandoffOut.model_validate(referral.handoff),
        intake_due=referral.intake_due,
        days_to_intake_deadline=days_left(referral),
        handed_off_at=referral.handed_off_at,
        intake_at=referral.intake_at,
        engaged_at=referral.engaged_at,
        closed_at=referral.closed_at,
        participant_id=referral.participant_id,
        case_manager_id=case_manager_of(session, referral.participant_id),
        note=referral.note,
    )


def _transition(
    session: Session, principal: Principal, referral: Referral, allowed: tuple[str, ...], status: str, **detail
) -> None:
    if referral.status not in allowed:
        raise conflict(
            f"Referral {referral.id} is {referral.status}; it must be {' or '.join(allowed)} to become {status}.",
            "path.referral_id",
            f"status is {referral.status}",
            slug="wrong-status",
        )
    audit.record(
        session,
        principal.name,
        f"referral.{status}",
        "referral",
        referral.id,
        before=referral.status,
        after=status,
        **detail,
    )
    referral.status = status
    referral.updated_at = utcnow()


def mark_handed_off(session: Session, principal: Principal, referral_id: str, body: HandedOffIn) -> Referral:
    """The warm hand-off happened (to a facility or a case manager of the cohort). Audited."""
    referral = get(session, principal, referral_id, lock=True)
    facility = session.get(Facility, body.facility_id) if body.facility_id else None
    manager = session.get(CaseManager, body.case_manager_id) if body.case_manager_id else None
    for field, record_id, cohort in (
        ("facility_id", body.facility_id, facility.cohort if facility else None),
        ("case_manager_id", body.case_manager_id, manager.cohort if manager else None),
    ):
        if record_id and cohort != referral.cohort:
            raise invalid(
                f"body.{field}", f"no {field[:-3].replace('_', ' ')} {record_id!r} in cohort {referral.cohort!r}"
            )
    _transition(
        session,
        principal,
        referral,
        ("referred",),
        "handed-off",
        facility_id=body.facility_id,
        case_manager_id=body.case_manager_id,
    )
    referral.handed_off_at = utcnow()
    referral.note = body.note or referral.note
    return referral


def mark_not_engaged(session: Session, principal: Principal, referral_id: str, body: NotEngagedIn) -> Referral:
    """Close a referral whose person did not engage (they may be referred again). Audited."""
    referral = get(session, principal, referral_id, lock=True)
    _transition(session, principal, referral, OPEN, "not-engaged")
    referral.closed_at = utcnow()
    referral.note = body.note or referral.note
    return referral


def complete_intake(
    session: Session, principal: Principal, referral_id: str, body: IntakeIn, region: RegionContext
) -> Referral:
    """Intake done: create (or, for a returning person, update) the participant in the referral's
    cohort with their release of information; they are then ready for placement requests. Audited."""
    referral = get(session, principal, referral_id, lock=True)
    _transition(session, principal, referral, AWAITING_INTAKE, "intake-done", participant_id=body.participant_id)
    fields = body.model_dump(exclude={"participant_id", "consent_to_share", "cohort"})
    existing = session.get(Participant, body.participant_id)
    if existing is None:
        participants.create(
            session, principal, ParticipantCreate(id=body.participant_id, cohort=referral.cohort, **fields), region
        )
        session.flush()
    elif existing.cohort != referral.cohort:
        raise conflict(
            f"Participant {body.participant_id!r} belongs to another cohort; pick a new pseudonymous id.",
            "body.participant_id",
            "participant of another cohort",
        )
    else:
        participants.patch(session, principal, body.participant_id, ParticipantUpdate(**fields), region)
    participants.add_consent(session, principal, body.participant_id, body.consent_to_share)
    referral.intake_at = utcnow()
    referral.participant_id = body.participant_id
    return referral


def queue(session: Session, principal: Principal, cohort: str | None) -> list[QueueItem]:
    """Referrals awaiting intake, soonest deadline first (coordinators: their cohort)."""
    if principal.role == "coordinator":
        cohort = principal.cohort
    conditions = [Referral.status.in_(AWAITING_INTAKE)] + ([Referral.cohort == cohort] if cohort else [])
    rows = session.scalars(
        select(Referral).where(*conditions).order_by(Referral.intake_due, Referral.occurred_at, Referral.id)
    ).all()
    today = date.today()
    return [
        QueueItem(
            id=r.id,
            route=r.route,
            status=r.status,
            occurred_at=r.occurred_at,
            person_id=r.person_id,
            intake_due=r.intake_due,
            days_to_intake_deadline=days_left(r, today),
            overdue=days_left(r, today) < 0,
        )
        for r in rows
    ]


def listing(
    session: Session, principal: Principal, *, status: str | None, offset: int, limit: int
) -> tuple[int, list[Referral]]:
    """A page of referrals, newest first: an officer's own, a coordinator's cohort, or all (admin)."""
    conditions = [Referral.status == status] if status else []
    if principal.role == "officer":
        conditions.append(Referral.officer == principal.name)
    elif principal.role == "coordinator":
        conditions.append(Referral.cohort == principal.cohort)
    total = session.scalar(select(func.count()).select_from(Referral).where(*conditions)) or 0
    rows = session.scalars(
        select(Referral)
        .where(*conditions)
        .order_by(Referral.occurred_at.desc(), Referral.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return total, list(rows)
