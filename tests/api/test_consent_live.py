"""Consent is live: revoking or expiry releases the participant's holds; confirm needs active consent.
Unknown cohorts are 422 when the service runs on a region."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from api.db.models import AuditEntry, Consent, Placement
from api.services.holds import expire_holds
from api.services.region import RegionContext
from api.services.participants import check_cohort
from api.errors import ApiError
from tests.api.helpers import stored_state_ok


def _held(api, pid: str) -> str:
    answer = api.request(pid).json()
    placement = answer["needs"][0]["placement"]
    assert placement and placement["status"] == "held", answer
    return placement["id"]


def _consent_id(api, pid: str) -> int:
    return api.call("GET", f"/v1/participants/{pid}", who="coord_north").json()["consents"][0]["id"]


def test_revoking_consent_releases_holds_at_once(api):
    api.provider("H1", capacity=2)
    api.participant("P1")
    hold = _held(api, "P1")
    revoked = api.call("DELETE", f"/v1/participants/P1/consents/{_consent_id(api, 'P1')}", who="coord_north")
    assert revoked.status_code == 200
    placement = api.call("GET", f"/v1/placements/{hold}", who="coord_north").json()
    assert placement["status"] == "released" and "consent" in placement["reason"]
    with api.app.state.sessions() as session:
        actions = [
            a.detail.get("reason", "")
            for a in session.scalars(
                select(AuditEntry).where(AuditEntry.record_id == hold, AuditEntry.action == "placement.released")
            )
        ]
    assert actions and "revoked" in actions[0]
    stored_state_ok(api)


def test_confirm_after_revocation_is_409_and_the_hold_is_released(api):
    api.provider("H1", capacity=2)
    api.participant("P1")
    hold = _held(api, "P1")
    with api.app.state.sessions() as session:  # revoked behind the API's back (another process, a restore)
        session.execute(update(Consent).where(Consent.participant_id == "P1").values(revoked_at=Consent.created_at))
        session.commit()
    refused = api.call("POST", f"/v1/placements/{hold}/confirm", who="coord_north")
    assert refused.status_code == 409 and refused.json()["errors"][0]["message"] == "no active consent"
    assert "consent" in refused.json()["detail"]
    assert api.call("GET", f"/v1/placements/{hold}", who="coord_north").json()["status"] == "released"


def test_expired_consent_releases_holds_on_the_sweep(api):
    api.provider("H1", capacity=2)
    api.participant("P1")
    api.participant("P2")
    lapsing, kept = _held(api, "P1"), _held(api, "P2")
    with api.app.state.sessions() as session:
        session.execute(
            update(Consent).where(Consent.participant_id == "P1").values(expires_on=date.today() - timedelta(days=1))
        )
        session.commit()
    assert expire_holds(api.app.state.sessions) == 1
    with api.app.state.sessions() as session:
        status = dict(session.execute(select(Placement.id, Placement.status)).all())
    assert status == {lapsing: "released", kept: "held"}


def test_unknown_cohort_is_422_on_a_region(api):
    region = RegionContext(name="Demo County", cohorts={"North": ["A"], "Central": ["B"]})
    check_cohort(region, "North", "body.cohort")
    try:
        check_cohort(region, "Zone 5", "body.cohort")
    except ApiError as exc:
        assert exc.status == 422 and exc.errors[0].field == "body.cohort" and "North" in exc.detail
    else:
        raise AssertionError("Zone 5 accepted")
    api.app.state.region.cohorts = {"North": ["A"]}
    refused = api.call(
        "POST",
        "/v1/participants",
        who="admin",
        json={"id": "P5", "cohort": "Zone 5", "lon": -80.0, "lat": 40.45, "needs": [{"service": "housing"}]},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.cohort"
