"""Officer pages: a one-screen referral form with its hand-off answer, and "my referrals" with
their outcomes only (handed off, intake done, engaged: never services or health data); the
coordinator's intake queue. On the referral services the JSON API uses (``api.services.referrals``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.routers.deps import RegionDep, SessionDep, closed, read_logged
from api.schemas.referrals import HandoffOut, ReferralIn
from api.services import referrals as service
from api.services.region import RegionContext
from api.web.forms import decimal, validated
from api.web.render import page
from api.web.session import Visit, poster, visitor
from scenarios.coverage.demand import DEFAULT_OFFENCES

router = APIRouter(prefix="/console", include_in_schema=False)
officers = visitor("officer")
officer_posts = poster("officer")
coordinators = visitor("coordinator")
ROUTES = {
    "arrest-diversion": "Arrest diversion (instead of booking)",
    "social-contact": "Social contact",
    "community": "Community referral",
}


def referral_form(
    request: Request, visit: Visit, region: RegionContext, error: ApiError | None = None, values: dict | None = None
):
    """The referral form (with ``values`` typed so far and ``error`` after a refused post)."""
    return page(
        request,
        "referral_new.html",
        visit,
        error=error,
        routes=ROUTES,
        offences=DEFAULT_OFFENCES,
        municipalities=sorted({m for members in region.cohorts.values() for m in members}),
        values=values or {},
    )


@router.get("/referrals/new")
def new_referral(request: Request, region: RegionContext = RegionDep, visit: Visit = Depends(officers)):
    """A one-screen referral: route, where you are, offence, consent."""
    return referral_form(request, visit, region)


@router.post("/referrals")
def create_referral(
    request: Request,
    route: str = Form(""),
    lon: str = Form(""),
    lat: str = Form(""),
    municipality: str = Form(""),
    cohort: str = Form(""),
    offence: str = Form(""),
    consent: str = Form(""),
    person_id: str = Form(""),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(officer_posts),
):
    """Record the referral and show the hand-off answer at once (as ``POST /v1/referrals``)."""
    values = {
        "route": route,
        "lon": lon.strip(),
        "lat": lat.strip(),
        "municipality": municipality,
        "cohort": cohort.strip(),
        "offence": offence,
        "consent": bool(consent),
        "person_id": person_id.strip(),
    }
    try:
        body = validated(
            ReferralIn,
            {
                **values,
                "lon": decimal(lon, "longitude"),
                "lat": decimal(lat, "latitude"),
                "offence": offence or None,
                "person_id": person_id.strip() or None,
                "cohort": cohort.strip() or None,
            },
        )
        referral = service.create(session, visit.principal, body, region)
        session.commit()
    except ApiError as exc:
        session.rollback()
        return referral_form(request, visit, region, exc, values)
    answer = HandoffOut.model_validate(referral.handoff)
    return closed(
        session,
        page(request, "referral_answer.html", visit, status=201, answer=answer, outcome=service.outcome(referral)),
    )


@router.get("/referrals")
def my_referrals(request: Request, session: Session = SessionDep, visit: Visit = Depends(officers)):
    """My referrals, newest first, with their outcome fields only."""
    _, rows = service.listing(session, visit.principal, status=None, offset=0, limit=200)
    shown = page(request, "referrals.html", visit, items=[service.outcome(r) for r in rows], routes=ROUTES)
    return read_logged(session, visit.principal.name, "referral", [r.id for r in rows], shown, via="console /referrals")


@router.get("/intake")
def intake_queue(request: Request, session: Session = SessionDep, visit: Visit = Depends(coordinators)):
    """My cohort's referrals awaiting intake, soonest deadline first (as ``GET /v1/intake-queue``)."""
    items = service.queue(session, visit.principal, None)
    return closed(session, page(request, "intake.html", visit, items=items, routes=ROUTES))
