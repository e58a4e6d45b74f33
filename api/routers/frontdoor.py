"""Front-door set-up: a cohort's hours and LEAD number, facilities, case managers, assignment."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.db.models import utcnow
from api.routers.deps import RegionDep, SessionDep, closed
from api.schemas.common import Place
from api.schemas.frontdoor import CaseManagerIn, CaseManagerOut, FacilityIn, FacilityOut, FrontDoorIn, FrontDoorOut
from api.schemas.referrals import AssignmentIn, AssignmentRunOut
from api.services import caseloads
from api.services import frontdoor as service
from api.services.region import RegionContext

router = APIRouter(tags=["front door"])
coordinators = require("coordinator")


@router.put("/cohorts/{cohort}/front-door", response_model=FrontDoorOut, summary="Set a cohort's front door")
def put_front_door(
    cohort: str,
    body: FrontDoorIn,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> FrontDoorOut:
    """Time zone, LEAD number, instructions for officers, covered hours (windows, or adopted from a
    coverage scenario's schedule.csv), intake deadline in days and on-call set-out minutes."""
    door = service.put_front_door(session, principal, cohort, body, region)
    session.commit()
    return closed(session, service.door_out(door))


@router.get("/cohorts/{cohort}/front-door", response_model=FrontDoorOut, summary="A cohort's front door")
def get_front_door(
    cohort: str, session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> FrontDoorOut:
    """The cohort's covered hours in words and its settings."""
    return closed(session, service.door_out(service.get_front_door(session, principal, cohort)))


@router.post("/facilities", response_model=FacilityOut, status_code=201, summary="Add a case-management facility")
def add_facility(
    body: FacilityIn,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> FacilityOut:
    """A facility officers can drive a person to; open in its ``hours`` or the cohort's on-site hours."""
    facility = service.add_facility(session, principal, body, region)
    session.commit()
    return closed(session, service.facility_out(facility, service.front_door(session, body.cohort), utcnow()))


@router.get("/facilities", response_model=list[FacilityOut], summary="A cohort's facilities")
def list_facilities(
    cohort: Place = Query(min_length=1), session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> list[FacilityOut]:
    """The cohort's facilities and whether each is open now."""
    service.check_cohort(principal, cohort, "query.cohort")
    door, now = service.front_door(session, cohort), utcnow()
    return closed(session, [service.facility_out(f, door, now) for f in service.facilities_of(session, cohort)])


@router.get("/case-managers", response_model=list[CaseManagerOut], summary="A cohort's case managers")
def list_case_managers(
    cohort: Place = Query(min_length=1), session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> list[CaseManagerOut]:
    """The cohort's case managers with caseloads and who is on duty now."""
    service.check_cohort(principal, cohort, "query.cohort")
    door, now = service.front_door(session, cohort), utcnow()
    managers = service.case_managers_of(session, cohort)
    loads = service.caseloads(session, [m.id for m in managers])
    return closed(session, [service.manager_out(m, loads[m.id], door, now) for m in managers])


@router.post("/case-managers", response_model=CaseManagerOut, status_code=201, summary="Add a case manager")
def add_case_manager(
    body: CaseManagerIn, session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> CaseManagerOut:
    """A case manager with their facility, languages, shifts and caseload limit (at most 25) and target."""
    manager = service.add_case_manager(session, principal, body)
    session.commit()
    return closed(session, service.manager_out(manager, 0, service.front_door(session, body.cohort), utcnow()))


@router.get("/case-managers/{case_manager_id}", response_model=CaseManagerOut, summary="One case manager")
def get_case_manager(
    case_manager_id: str, session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> CaseManagerOut:
    """A case manager with their current caseload and whether they are on duty now."""
    manager = service.get_case_manager(session, principal, case_manager_id)
    load = service.caseloads(session, [manager.id])[manager.id]
    return closed(session, service.manager_out(manager, load, service.front_door(session, manager.cohort), utcnow()))


@router.post("/case-assignments", response_model=AssignmentRunOut, summary="Assign participants to case managers")
def assign(
    body: AssignmentIn,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> AssignmentRunOut:
    """Assign everyone of the cohort who completed intake (CP-SAT): never above a caseload limit,
    balanced caseloads, their language, short travel from home, their previous case manager when
    possible; every assignment explained, with the solver's status, objective, bound and gap."""
    result = caseloads.assign_cohort(session, principal, body.cohort, region, time_limit_s=body.time_limit_s)
    session.commit()
    return closed(session, result)
