"""A cohort's front door, its facilities and case managers: records, duty now and caseloads.

Also turns the stored rows into the ``scenarios.frontdoor`` inputs (covered hours, facilities,
case managers' working hours) that the hand-off answer and the assignment model read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal, forbidden
from api.db.frontdoor import CaseAssignment, CaseManager, Facility, FrontDoor
from api.db.models import utcnow
from api.errors import ApiError, conflict, invalid, not_found
from api.schemas.frontdoor import CaseManagerIn, CaseManagerOut, FacilityIn, FacilityOut, FrontDoorIn, FrontDoorOut
from api.services import audit
from api.services.participants import check_cohort as check_cohort_known
from api.services.region import RegionContext
from scenarios.coverage.costs import Shift, parse_days
from scenarios.frontdoor import handoff
from scenarios.frontdoor.availability import DEFAULT_TIMEZONE, WeeklyHours, weekly_hours


def out_of_scope(kind: str, record_id: str, field: str) -> ApiError:
    """404 for a record outside the caller's scope (its existence is not revealed)."""
    return not_found(kind, record_id, field)


def check_cohort(principal: Principal, cohort: str, field: str = "path.cohort") -> None:
    """A coordinator acts only on their own cohort: a record named in the path outside it is a 404
    (as if it did not exist); a cohort named in a body or query is a 403."""
    if principal.role == "coordinator" and cohort != principal.cohort:
        if field.startswith("path."):
            raise out_of_scope("cohort", cohort, field)
        raise forbidden(principal, f"act on cohort {cohort!r} (only {principal.cohort!r})")


def windows(rows: list[dict]) -> list[Shift]:
    """Stored hour windows as coverage :class:`Shift` patterns."""
    return [
        Shift(
            f"window {i + 1}",
            int(w["start"]),
            int(w["length"]),
            parse_days(w.get("days", "daily")),
            bool(w.get("on_call", False)),
        )
        for i, w in enumerate(rows)
    ]


def front_door(session: Session, cohort: str) -> FrontDoor | None:
    """The cohort's front door, or None when none is configured."""
    return session.get(FrontDoor, cohort)


def covered_hours(door: FrontDoor | None) -> WeeklyHours:
    """The cohort's covered hours (none when no front door is configured)."""
    if door is None:
        return WeeklyHours(frozenset(), frozenset(), DEFAULT_TIMEZONE)
    return WeeklyHours(frozenset(door.on_site_hours), frozenset(door.on_call_hours), door.timezone)


def door_out(door: FrontDoor) -> FrontDoorOut:
    """Response body of a front door."""
    return FrontDoorOut(
        cohort=door.cohort,
        timezone=door.timezone,
        phone=door.phone,
        instructions=door.instructions,
        hours_source=door.hours_source,
        on_site_hours=sorted(door.on_site_hours),
        on_call_hours=sorted(door.on_call_hours),
        covered_hours=covered_hours(door).describe(),
        intake_deadline_days=door.intake_deadline_days,
        callout_minutes=door.callout_minutes,
        updated_at=door.updated_at,
    )


def put_front_door(
    session: Session, principal: Principal, cohort: str, body: FrontDoorIn, region: RegionContext
) -> FrontDoor:
    """Create or replace the cohort's front door. Audited with the covered hours in words."""
    check_cohort(principal, cohort)
    check_cohort_known(region, cohort, "path.cohort")
    if body.adopted is not None:
        hours = WeeklyHours(
            frozenset(body.adopted.on_site),
            frozenset(body.adopted.on_call) - frozenset(body.adopted.on_site),
            body.timezone,
        )
        source = f"adopted: {body.adopted.source}"
    else:
        hours = weekly_hours(windows([w.model_dump() for w in body.hours]), body.timezone)
        source = "configured"
    door = session.get(FrontDoor, cohort, with_for_update=True) or FrontDoor(cohort=cohort)
    door.timezone, door.phone, door.instructions = body.timezone, body.phone, body.instructions
    door.on_site_hours, door.on_call_hours = sorted(hours.on_site), sorted(hours.on_call)
    door.hours_source, door.intake_deadline_days = source, body.intake_deadline_days
    door.callout_minutes, door.updated_at = body.callout_minutes, utcnow()
    session.add(door)
    audit.record(session, principal.name, "front-door.put", "cohort", cohort, hours=hours.describe(), source=source)
    return door


def get_front_door(session: Session, principal: Principal, cohort: str) -> FrontDoor:
    """The cohort's front door (404 when none or outside the coordinator's cohort)."""
    check_cohort(principal, cohort)
    door = front_door(session, cohort)
    if door is None:
        raise not_found("front door for cohort", cohort, "path.cohort")
    return door


def facility_hours(facility: Facility, door: FrontDoor | None) -> WeeklyHours | None:
    """The facility's opening hours (None: the cohort's on-site hours)."""
    if not facility.hours:
        return None
    zone = door.timezone if door else DEFAULT_TIMEZONE
    return weekly_hours(windows(facility.hours), zone)


def add_facility(session: Session, principal: Principal, body: FacilityIn, region: RegionContext) -> Facility:
    """Add a case-management facility (coordinators: in their own cohort). Audited."""
    check_cohort(principal, body.cohort, "body.cohort")
    check_cohort_known(region, body.cohort, "body.cohort")
    region.check_point(body.lon, body.lat)
    if session.get(Facility, body.id) is not None:
        raise conflict(f"Facility {body.id!r} exists already.", "body.id", "id already in use", slug="exists")
    facility = Facility(
        id=body.id,
        name=body.name,
        cohort=body.cohort,
        lon=body.lon,
        lat=body.lat,
        hours=[w.model_dump() for w in body.hours],
    )
    session.add(facility)
    audit.record(session, principal.name, "facility.add", "facility", body.id, cohort=body.cohort)
    return facility


def facilities_of(session: Session, cohort: str) -> list[Facility]:
    """The cohort's facilities, by id."""
    return list(session.scalars(select(Facility).where(Facility.cohort == cohort).order_by(Facility.id)))


def facility_out(facility: Facility, door: FrontDoor | None, now: datetime) -> FacilityOut:
    """Response body of a facility, with whether it is open at ``now``."""
    hours = facility_hours(facility, door) or WeeklyHours(
        covered_hours(door).on_site, timezone=covered_hours(door).timezone
    )
    return FacilityOut(
        id=facility.id,
        name=facility.name,
        cohort=facility.cohort,
        lon=facility.lon,
        lat=facility.lat,
        hours=facility.hours,
        open_now=hours.mode_at(now) == "on site",
    )


def add_case_manager(session: Session, principal: Principal, body: CaseManagerIn) -> CaseManager:
    """Add a case manager at one of the cohort's facilities. Audited."""
    check_cohort(principal, body.cohort, "body.cohort")
    facility = session.get(Facility, body.facility_id)
    if facility is None or facility.cohort != body.cohort:
        raise invalid(
            "body.facility_id",
            f"no facility {body.facility_id!r} in cohort {body.cohort!r}",
            "Add the facility first (POST /v1/facilities) or name one of the cohort's facilities.",
        )
    if session.get(CaseManager, body.id) is not None:
        raise conflict(f"Case manager {body.id!r} exists already.", "body.id", "id already in use", slug="exists")
    manager = CaseManager(
        id=body.id,
        name=body.name,
        cohort=body.cohort,
        facility_id=body.facility_id,
        languages=[lang.lower() for lang in body.languages],
        shifts=[w.model_dump() for w in body.shifts],
        caseload_limit=body.caseload_limit,
        caseload_target=body.caseload_target,
        active=True,
    )
    session.add(manager)
    audit.record(
        session,
        principal.name,
        "case-manager.add",
        "case_manager",
        body.id,
        cohort=body.cohort,
        limit=body.caseload_limit,
        target=body.caseload_target,
    )
    return manager


def case_managers_of(session: Session, cohort: str) -> list[CaseManager]:
    """The cohort's active case managers, by id."""
    return list(
        session.scalars(
            select(CaseManager).where(CaseManager.cohort == cohort, CaseManager.active).order_by(CaseManager.id)
        )
    )


def get_case_manager(session: Session, principal: Principal, manager_id: str) -> CaseManager:
    """One case manager (404 unknown or outside the coordinator's cohort)."""
    manager = session.get(CaseManager, manager_id)
    if manager is None or (principal.role == "coordinator" and manager.cohort != principal.cohort):
        raise out_of_scope("case manager", manager_id, "path.case_manager_id")
    return manager


def caseloads(session: Session, manager_ids: list[str]) -> dict[str, int]:
    """Current caseload (open assignments) of each case manager."""
    rows = session.execute(
        select(CaseAssignment.case_manager_id, func.count())
        .where(CaseAssignment.case_manager_id.in_(manager_ids), CaseAssignment.ended_at.is_(None))
        .group_by(CaseAssignment.case_manager_id)
    ).all()
    counts = {mid: 0 for mid in manager_ids}
    counts.update({mid: int(n) for mid, n in rows})
    return counts


def working_hours(manager: CaseManager, door: FrontDoor | None) -> WeeklyHours:
    """The case manager's shifts as hours of the week in the cohort's time zone."""
    return weekly_hours(windows(manager.shifts), door.timezone if door else DEFAULT_TIMEZONE)


def manager_out(manager: CaseManager, caseload: int, door: FrontDoor | None, now: datetime) -> CaseManagerOut:
    """Response body of a case manager with their caseload and duty at ``now``."""
    return CaseManagerOut(
        id=manager.id,
        name=manager.name,
        cohort=manager.cohort,
        facility_id=manager.facility_id,
        languages=manager.languages,
        shifts=manager.shifts,
        caseload_limit=manager.caseload_limit,
        caseload_target=manager.caseload_target,
        caseload=caseload,
        on_duty=working_hours(manager, door).mode_at(now),
    )


def handoff_inputs(
    session: Session, cohort: str
) -> tuple[FrontDoor | None, list[handoff.Facility], list[handoff.CaseManagerShift]]:
    """The cohort's front door, facilities and case managers as the hand-off answer reads them."""
    door = front_door(session, cohort)
    rows = facilities_of(session, cohort)
    by_id = {f.id: f for f in rows}
    facilities = [handoff.Facility(f.id, f.name, f.lon, f.lat, facility_hours(f, door)) for f in rows]
    managers = [
        handoff.CaseManagerShift(
            m.id, m.name, by_id[m.facility_id].lon, by_id[m.facility_id].lat, working_hours(m, door)
        )
        for m in case_managers_of(session, cohort)
        if m.facility_id in by_id
    ]
    return door, facilities, managers
