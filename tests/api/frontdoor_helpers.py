"""Set-up for front-door tests: a cohort's hours, a facility, case managers, a referral."""

from __future__ import annotations

ALWAYS = [{"days": "daily", "start": 0, "length": 24}]
REFERRAL = {
    "route": "arrest-diversion",
    "offence": "retail theft",
    "cohort": "North",
    "municipality": "Pittsburgh",
    "lon": -80.0,
    "lat": 40.44,
    "consent": True,
    "race": "Black",
}


def front_door(api, cohort: str = "North", hours=ALWAYS, who: str = "admin", **extra) -> dict:
    """PUT the cohort's front door (always covered on site by default)."""
    body = {
        "timezone": "America/New_York",
        "phone": "412-555-0142",
        "hours": hours,
        "instructions": "Call the LEAD line first.",
    } | extra
    response = api.call("PUT", f"/v1/cohorts/{cohort}/front-door", who=who, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def facility(api, fid: str = "F-N", cohort: str = "North", lon: float = -80.0, lat: float = 40.45, **extra) -> dict:
    """POST a case-management facility."""
    body = {"id": fid, "name": f"Facility {fid}", "cohort": cohort, "lon": lon, "lat": lat} | extra
    response = api.call("POST", "/v1/facilities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def case_manager(api, cid: str, facility_id: str = "F-N", cohort: str = "North", **extra) -> dict:
    """POST a case manager (on site around the clock by default)."""
    body = {
        "id": cid,
        "name": f"Case manager {cid}",
        "cohort": cohort,
        "facility_id": facility_id,
        "shifts": ALWAYS,
    } | extra
    response = api.call("POST", "/v1/case-managers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def referral(api, who: str = "officer_z1", **extra) -> dict:
    """POST a referral and return the response body."""
    response = api.call("POST", "/v1/referrals", who=who, json=REFERRAL | extra)
    assert response.status_code == 201, response.text
    return response.json()


def intake_body(participant_id: str, language: str | None = None) -> dict:
    """An intake completion: home location, needs and a release of information for a year."""
    attributes = {"gender": "female", "age": 30} | ({"language": language} if language else {})
    return {
        "participant_id": participant_id,
        "lon": -80.0,
        "lat": 40.45,
        "needs": [{"service": "housing"}],
        "attributes": attributes,
        "consent_to_share": {"granted_on": "2026-01-01", "expires_on": "2027-12-31"},
    }


def north_front_door(api) -> None:
    """North's front door, facility F-N and two case managers (CM-A speaks Spanish)."""
    front_door(api)
    facility(api)
    case_manager(api, "CM-A", languages=["english", "spanish"])
    case_manager(api, "CM-B")
