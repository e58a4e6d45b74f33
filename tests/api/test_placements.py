"""Placement requests end to end in-process, on SQLite and PostgreSQL: holds, confirm, decline,
release, expiry, no-bump against wait lists, and ``matcher.check`` on the stored state after each step."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from api.db.models import AuditEntry, Placement, utcnow
from api.services.holds import expire_holds
from tests.api.helpers import stored_state_ok


def test_hold_then_confirm_is_audited(api):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    response = api.request("LEAD-1")
    assert response.status_code == 201
    body = response.json()
    need = body["needs"][0]
    assert body["status"] == "placed" and need["placement"]["provider_id"] == "H1"
    assert need["placement"]["status"] == "held" and need["placement"]["transit_minutes"] > 0
    assert "H1" in need["explanation"] or "Provider H1" in need["explanation"]
    stored_state_ok(api)
    placement_id = need["placement"]["id"]
    assert api.call("POST", f"/v1/placements/{placement_id}/confirm", who="coord_north").json()["status"] == "confirmed"
    assert api.call("GET", "/v1/providers/H1", who="provider_h1").json()["free"] == 0
    actions = [
        row["action"] for row in api.call("GET", "/v1/audit", params={"record_id": placement_id}).json()["items"]
    ]
    assert actions == ["placement.confirm", "placement.hold"]
    again = api.call("POST", f"/v1/placements/{placement_id}/confirm", who="coord_north")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "path.placement_id"


def test_full_provider_gives_wait_position_with_date(api):
    api.provider("H1", capacity=3, occupied=3, monthly_turnover=2.0)
    api.participant("LEAD-1")
    need = api.request("LEAD-1").json()["needs"][0]
    assert need["placement"] is None
    assert need["wait_positions"][0]["provider_id"] == "H1" and need["wait_positions"][0]["estimated_start"]
    assert "full" in need["explanation"]


def test_no_bump_people_ahead_keep_their_claim(api):
    api.provider("H1", capacity=2, occupied=0)
    api.call(
        "PUT", "/v1/wait-lists/H1", who="provider_h1", json={"entries": [{"person_id": "W1"}, {"person_id": "W2"}]}
    )
    api.participant("LEAD-1")
    need = api.request("LEAD-1").json()["needs"][0]
    assert need["placement"] is None, "two people wait ahead for two free slots: taking one would bump them"
    assert need["wait_positions"][0]["ahead"] == 2
    api.call("PUT", "/v1/providers/H1/capacity", who="provider_h1", json={"capacity": 3})
    assert api.request("LEAD-1").json()["needs"][0]["placement"]["provider_id"] == "H1"
    stored_state_ok(api)


def test_list_change_releases_a_hold_that_now_bumps(api):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    placement = api.request("LEAD-1").json()["needs"][0]["placement"]
    api.call("POST", "/v1/wait-lists/H1/entries", who="provider_h1", json={"person_id": "W9"})
    after = api.call("GET", f"/v1/placements/{placement['id']}", who="coord_north").json()
    assert after["status"] == "released" and "admissible" in after["reason"]
    stored_state_ok(api)


def test_capacity_below_use_is_refused_and_state_unchanged(api):
    api.provider("H1", capacity=2)
    api.participant("LEAD-1")
    api.participant("LEAD-2")
    api.request("LEAD-1")
    api.request("LEAD-2")
    audit_rows = api.call("GET", "/v1/audit").json()["page"]["total"]
    refused = api.call("PUT", "/v1/providers/H1/capacity", who="provider_h1", json={"capacity": 1})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "body.capacity"
    assert api.call("GET", "/v1/providers/H1").json()["capacity"] == 2
    assert api.call("GET", "/v1/audit").json()["page"]["total"] == audit_rows, "a refused change leaves no trace"
    api.participant("LEAD-3")
    assert api.request("LEAD-3").json()["needs"][0]["placement"] is None
    stored_state_ok(api)


def test_decline_and_release_free_the_slot(api):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    api.participant("LEAD-2")
    first = api.request("LEAD-1").json()["needs"][0]["placement"]["id"]
    assert api.request("LEAD-2").json()["needs"][0]["placement"] is None
    declined = api.call("POST", f"/v1/placements/{first}/decline", who="coord_north", json={"reason": "chose other"})
    assert declined.json()["status"] == "declined" and declined.json()["reason"] == "chose other"
    second = api.request("LEAD-2").json()["needs"][0]["placement"]["id"]
    api.call("POST", f"/v1/placements/{second}/confirm", who="coord_north")
    released = api.call("POST", f"/v1/placements/{second}/release", who="provider_h1", json={"reason": "moved"})
    assert released.json()["status"] == "released"
    assert api.call("GET", "/v1/providers/H1").json()["free"] == 1


def test_expired_hold_cannot_be_confirmed_and_sweeper_audits(api):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    held = api.request("LEAD-1", hold_minutes=5).json()["needs"][0]["placement"]
    later = utcnow() + timedelta(minutes=6)
    assert expire_holds(api.app.state.sessions, now=later) == 1
    refused = api.call("POST", f"/v1/placements/{held['id']}/confirm", who="coord_north")
    assert refused.status_code == 409
    with api.app.state.sessions() as session:
        row = session.get(Placement, held["id"])
        assert row.status == "expired"
        actors = session.scalars(select(AuditEntry.actor).where(AuditEntry.record_id == held["id"])).all()
        assert "system:sweeper" in actors


def test_request_needs_consent_and_one_open_need(api):
    api.provider("H1", capacity=5)
    api.participant("LEAD-1", consent=False)
    refused = api.request("LEAD-1")
    assert refused.status_code == 409 and "consent" in refused.json()["detail"]
    api.participant("LEAD-2")
    assert api.request("LEAD-2").status_code == 201
    again = api.request("LEAD-2")
    assert again.status_code == 409 and again.json()["type"].endswith("no-open-need")


def test_batch_round_places_waiting_requests_when_capacity_opens(api):
    api.provider("H1", capacity=1, occupied=1)
    for pid in ("LEAD-1", "LEAD-2"):
        api.participant(pid)
        assert api.request(pid).json()["status"] == "waiting"
    api.call("PUT", "/v1/providers/H1/capacity", who="provider_h1", json={"capacity": 2, "occupied": 1})
    outcome = api.call("POST", "/v1/placement-rounds").json()
    assert outcome["requests"] == 2 and outcome["placements_held"] == 1 and outcome["needs_unmet"] == 1
    statuses = sorted(
        api.call("GET", f"/v1/placement-requests/{rid}", who="coord_north").json()["status"]
        for rid in outcome["request_ids"]
    )
    assert statuses == ["placed", "waiting"]
    stored_state_ok(api)


def test_moving_a_participant_out_of_reach_releases_the_hold(api):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    held = api.request("LEAD-1").json()["needs"][0]["placement"]
    api.call("PATCH", "/v1/participants/LEAD-1", who="coord_north", json={"lon": -79.2, "lat": 40.9})
    after = api.call("GET", f"/v1/placements/{held['id']}", who="coord_north").json()
    assert after["status"] == "released" and "transit" in after["reason"]
    stored_state_ok(api)
