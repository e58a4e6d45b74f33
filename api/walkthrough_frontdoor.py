"""The front door in `make demo`: a roadside referral to a participant with a case manager.

``front_door_walkthrough(ctx, console) -> dict`` runs, over real HTTP on the walk-through's
server: the coordinator sets the cohort's hours, two facilities (the region's first candidate
sites) and two case managers; an officer refers a person at the roadside and gets the hand-off
answer; the officer confirms the hand-off; the coordinator sees the intake queue, records the
intake (the participant is created), assigns a case manager (CP-SAT, explained) and requests a
placement; the officer then sees only the outcome of their referral and the department's counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from rich.console import Console

from api.auth import add_user

DEPARTMENT = "Demo Police Department"
HOURS = [{"days": "daily", "start": 8, "length": 16}, {"days": "daily", "start": 0, "length": 8, "on_call": True}]


@dataclass
class WalkContext:
    """What the front-door walk-through needs from the main one: the app and its address, tokens,
    the cohort, a unique stamp, the region folder and a roadside point inside the cohort (lon/lat)."""

    app: FastAPI
    base_url: str
    admin: str
    coordinator: str
    cohort: str
    stamp: int
    region_dir: Path
    roadside: tuple[float, float]


def _facility_points(region_dir: Path, fallback: tuple[float, float]) -> list[tuple[float, float]]:
    """Two facility locations: the region's first two candidate sites, else near ``fallback``."""
    from geodata.region import load_region

    sites = load_region(region_dir).sites
    if sites is not None and len(sites) >= 2:
        return [(round(float(p.x), 6), round(float(p.y), 6)) for p in sites.geometry.iloc[:2]]
    return [(fallback[0] + 0.01, fallback[1]), (fallback[0] - 0.01, fallback[1] + 0.01)]


def _set_up_cohort(coordinator, ctx: WalkContext) -> None:
    """The coordinator sets the cohort's front door (hours, phone, intake deadline) and adds two
    facilities with a case manager each (one speaks Spanish)."""
    coordinator(
        "PUT",
        f"/v1/cohorts/{ctx.cohort}/front-door",
        {
            "timezone": "America/New_York",
            "phone": "412-555-0142",
            "hours": HOURS,
            "intake_deadline_days": 14,
            "instructions": "Call the LEAD line; stay with the person until the hand-off.",
        },
    )
    for k, (lon, lat) in enumerate(_facility_points(ctx.region_dir, ctx.roadside)):
        facility = f"CMF-{k + 1}-{ctx.stamp}"
        coordinator(
            "POST",
            "/v1/facilities",
            {"id": facility, "name": f"LEAD office {k + 1}", "cohort": ctx.cohort, "lon": lon, "lat": lat},
        )
        coordinator(
            "POST",
            "/v1/case-managers",
            {
                "id": f"CM-{k + 1}-{ctx.stamp}",
                "name": ("Ana Ruiz", "Ben Ito")[k],
                "cohort": ctx.cohort,
                "facility_id": facility,
                "languages": [["english", "spanish"], ["english"]][k],
                "shifts": HOURS,
            },
        )


def _referral_body(ctx: WalkContext) -> dict:
    """An arrest diversion at the roadside, with the person's consent."""
    return {
        "route": "arrest-diversion",
        "offence": "retail theft",
        "cohort": ctx.cohort,
        "consent": True,
        "lon": ctx.roadside[0],
        "lat": ctx.roadside[1],
        "person_id": f"P-{ctx.stamp}",
        "race": "White",
    }


def _intake_body(ctx: WalkContext, participant_id: str) -> dict:
    """The intake that makes the referred person a participant: home, needs, attributes and a
    year's consent to share."""
    today = date.today()
    return {
        "participant_id": participant_id,
        "lon": ctx.roadside[0],
        "lat": ctx.roadside[1],
        "max_transit_minutes": 60,
        "needs": [{"service": s, "urgency": 3} for s in ("housing", "treatment", "clinic")],
        "attributes": {"gender": "female", "age": 34, "insurance": "medicaid", "moud": True, "language": "spanish"},
        "consent_to_share": {
            "granted_on": today.isoformat(),
            "expires_on": (today + timedelta(days=365)).isoformat(),
        },
    }


def front_door_walkthrough(ctx: WalkContext, console: Console, show) -> dict:
    """Run the front door end to end and print every exchange with ``show(console, method, path,
    body, response)``; returns the referral, its hand-off answer and what followed."""
    with ctx.app.state.sessions() as session:
        _, officer = add_user(session, f"officer-{ctx.stamp}", "officer", department=DEPARTMENT)
        session.commit()
    with httpx.Client(base_url=ctx.base_url, timeout=60.0) as client:

        def call(token: str, method: str, path: str, body: dict | None = None) -> dict:
            response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
            return show(console, method, path, body, response)

        coordinator = lambda *args: call(ctx.coordinator, *args)  # noqa: E731
        _set_up_cohort(coordinator, ctx)
        started = time.perf_counter()
        referral = call(officer, "POST", "/v1/referrals", _referral_body(ctx))
        answered_ms = (time.perf_counter() - started) * 1000
        answer = referral["handoff"]
        console.print(f"[bold]Hand-off answer in {answered_ms:.0f} ms:[/bold] {answer['advice']}")
        best = answer["best"] or {}
        target = (
            {"facility_id": best["id"]}
            if best.get("kind") == "drive to facility"
            else {"case_manager_id": best["id"]}
            if best
            else {}
        )
        call(officer, "POST", f"/v1/referrals/{referral['id']}/handed-off", target)
        coordinator("GET", "/v1/intake-queue")
        participant_id = f"LEAD-FD-{ctx.stamp}"
        coordinator("POST", f"/v1/referrals/{referral['id']}/intake", _intake_body(ctx, participant_id))
        assignment = coordinator("POST", "/v1/case-assignments", {"cohort": ctx.cohort})
        placement = coordinator(
            "POST", "/v1/placement-requests", {"participant_id": participant_id, "hold_minutes": 30}
        )
        outcome = call(officer, "GET", f"/v1/referrals/{referral['id']}")
        department = call(officer, "GET", "/v1/referrals/outcomes")
    console.print(
        "The officer sees only: handed off, intake done, engaged (yes / not yet) - never services, "
        "diagnoses or placements."
    )
    return {
        "referral_id": referral["id"],
        "answered_ms": round(answered_ms, 1),
        "available": answer["available"],
        "best": best,
        "assignment": assignment.get("assignments", []),
        "placement_status": placement.get("status"),
        "officer_view": outcome,
        "department": department.get("departments", []),
    }
