"""``/v1/referrals``: officers and coordinators refer people to LEAD and follow the outcome.

Officers get the hand-off answer with their referral and afterwards only the outcome fields of
their own referrals; coordinators see their cohort's referrals in full and move them along.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.routers.deps import RegionDep, SessionDep, closed, paging, read_logged
from api.schemas.common import Page, Place
from api.schemas.referrals import (
    HandedOffIn,
    HandoffOut,
    IntakeIn,
    IntakeQueue,
    NotEngagedIn,
    OfficerReferralOut,
    OutcomeOut,
    OutcomeReport,
    ReferralIn,
    ReferralList,
    ReferralOut,
    Status,
)
from api.services import outcomes
from api.services import referrals as service
from api.services.region import RegionContext

router = APIRouter(tags=["referrals"])
referrers = require("officer", "coordinator")
coordinators = require("coordinator")
outcome_readers = require("officer", "planner", "pcg")


def _view(session: Session, principal: Principal, referral) -> ReferralOut | OutcomeOut:
    return service.outcome(referral) if principal.role == "officer" else service.to_out(session, referral)


@router.post(
    "/referrals",
    response_model=ReferralOut | OfficerReferralOut,
    status_code=201,
    summary="Refer a person to LEAD and get the hand-off answer",
)
def create_referral(
    body: ReferralIn,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(referrers),
) -> ReferralOut | OfficerReferralOut:
    """Record a referral (with the person's consent) and answer at once: is LEAD available now, the
    quickest warm hand-off (drive to an open facility, or an on-duty case manager comes), the LEAD
    number, and when LEAD is not available, when it next is and what to do meanwhile."""
    referral = service.create(session, principal, body, region)
    session.commit()
    if principal.role == "officer":
        return closed(
            session,
            OfficerReferralOut(
                **service.outcome(referral).model_dump(), handoff=HandoffOut.model_validate(referral.handoff)
            ),
        )
    return closed(session, service.to_out(session, referral))


@router.get("/referrals", response_model=ReferralList, summary="List referrals")
def list_referrals(
    status: Status | None = Query(None),
    page: tuple[int, int] = Depends(paging),
    session: Session = SessionDep,
    principal: Principal = Depends(referrers),
) -> ReferralList:
    """Newest first: an officer's own (outcome fields only), a coordinator's cohort (in full)."""
    offset, limit = page
    total, rows = service.listing(session, principal, status=status, offset=offset, limit=limit)
    listing = ReferralList(
        page=Page(total=total, offset=offset, limit=limit), items=[_view(session, principal, r) for r in rows]
    )
    return read_logged(session, principal.name, "referral", [r.id for r in rows], listing, via="GET /v1/referrals")


@router.get("/referrals/outcomes", response_model=OutcomeReport, summary="Outcomes by police department")
def department_outcomes(
    session: Session = SessionDep, region: RegionContext = RegionDep, principal: Principal = Depends(outcome_readers)
) -> OutcomeReport:
    """Referrals, hand-offs, intakes and engagement by department; counts under 11 withheld.
    An officer sees their own department and the total."""
    return closed(session, outcomes.department_outcomes(session, principal, region))


@router.get("/referrals/{referral_id}", response_model=ReferralOut | OutcomeOut, summary="One referral")
def get_referral(
    referral_id: str, session: Session = SessionDep, principal: Principal = Depends(referrers)
) -> ReferralOut | OutcomeOut:
    """A referral: an officer's own shows only handed off, intake done and engaged (yes / not yet)."""
    view = _view(session, principal, service.get(session, principal, referral_id))
    return read_logged(session, principal.name, "referral", [referral_id], view, via="GET /v1/referrals/{id}")


@router.post(
    "/referrals/{referral_id}/handed-off", response_model=ReferralOut | OutcomeOut, summary="The warm hand-off happened"
)
def handed_off(
    referral_id: str, body: HandedOffIn, session: Session = SessionDep, principal: Principal = Depends(referrers)
) -> ReferralOut | OutcomeOut:
    """Mark the hand-off done (the officer or the coordinator), to a facility or a case manager."""
    referral = service.mark_handed_off(session, principal, referral_id, body)
    session.commit()
    return closed(session, _view(session, principal, referral))


@router.post("/referrals/{referral_id}/not-engaged", response_model=ReferralOut, summary="The person did not engage")
def not_engaged(
    referral_id: str, body: NotEngagedIn, session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> ReferralOut:
    """Close the referral without penalty (harm reduction); the person may be referred again."""
    referral = service.mark_not_engaged(session, principal, referral_id, body)
    session.commit()
    return closed(session, service.to_out(session, referral))


@router.post("/referrals/{referral_id}/intake", response_model=ReferralOut, summary="Intake completed")
def intake(
    referral_id: str,
    body: IntakeIn,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> ReferralOut:
    """Record the intake assessment: creates the participant with their release of information,
    ready for a case manager (POST /v1/case-assignments) and placement requests."""
    referral = service.complete_intake(session, principal, referral_id, body, region)
    session.commit()
    return closed(session, service.to_out(session, referral))


@router.get("/intake-queue", response_model=IntakeQueue, summary="Referrals awaiting intake, by deadline")
def intake_queue(
    cohort: Place | None = Query(None), session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> IntakeQueue:
    """Referrals still awaiting intake, soonest deadline first, with days left (negative: overdue)."""
    items = service.queue(session, principal, cohort)
    return closed(
        session, IntakeQueue(cohort=principal.cohort if principal.role == "coordinator" else cohort, items=items)
    )
