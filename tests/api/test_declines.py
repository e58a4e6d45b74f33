"""Declines are remembered (not proposed again unless asked by name, no lost place on any list) and
every unmet need has a next step a coordinator can act on (joining a wait list for real)."""

from __future__ import annotations

from sqlalchemy import select

from api.db.models import WaitListEntry
from tests.api.helpers import stored_state_ok


def _held(api, pid: str, **extra) -> dict:
    need = api.request(pid, **extra).json()["needs"][0]
    assert need["placement"], need
    return need["placement"]


def _decline(api, placement_id: str, category: str = "too-far") -> dict:
    answer = api.call(
        "POST",
        f"/v1/placements/{placement_id}/decline",
        who="coord_north",
        json={"reason": "65 min each way is too far", "category": category},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_declined_provider_is_not_proposed_again_unless_asked_by_name(api):
    api.provider("H1", capacity=3, lon=-80.0, lat=40.45)
    api.provider("H2", capacity=3, lon=-79.95, lat=40.44)
    api.participant("P1")
    first = _held(api, "P1")
    assert first["provider_id"] == "H1"
    declined = _decline(api, first["id"])
    assert declined["status"] == "declined" and declined["decline_reason"] == "too-far"
    second = _held(api, "P1")
    assert second["provider_id"] == "H2"  # not H1 again, although H1 is nearer and has room
    _decline(api, second["id"], "not-suitable")
    need = api.request("P1").json()["needs"][0]
    assert need["placement"] is None and "you declined it for this need" in need["explanation"]
    again = _held(api, "P1", reconsider=["H1"])
    assert again["provider_id"] == "H1"
    stored = api.call("GET", "/v1/participants/P1", who="coord_north").json()["needs"][0]["declined"]
    assert [d["provider_id"] for d in stored] == ["H2"] and stored[0]["category"] == "not-suitable"
    stored_state_ok(api)


def test_declining_keeps_the_place_and_the_seat_goes_to_the_next_person(api):
    api.provider("H1", capacity=1)
    api.call("PUT", "/v1/wait-lists/H1", json={"entries": [{"person_id": "P1"}, {"person_id": "P2"}]})
    api.participant("P1")
    api.participant("P2")
    assert api.request("P2").json()["needs"][0]["placement"] is None  # P1 is ahead and wants H1
    hold = _held(api, "P1")
    _decline(api, hold["id"])
    with api.app.state.sessions() as session:
        entries = {e.person_id: (e.priority, e.status) for e in session.scalars(select(WaitListEntry))}
    assert entries == {"P1": (0.0, "waiting"), "P2": (1.0, "waiting")}  # her place is unchanged
    assert _held(api, "P2")["provider_id"] == "H1"  # she declined H1, so it is no bump
    stored_state_ok(api)


def test_a_coordinator_joins_a_wait_list_for_the_participant(api):
    api.provider("H1", capacity=1, occupied=1, monthly_turnover=2.0)
    api.call("PUT", "/v1/wait-lists/H1", json={"entries": [{"person_id": "W1"}, {"person_id": "W2"}]})
    api.participant("P1")
    api.participant("P2", consent=False)
    need = api.request("P1").json()["needs"][0]
    assert (
        need["placement"] is None
        and "join the wait list of Provider H1 (you would be 3rd in line" in need["explanation"]
    )
    joined = api.call("POST", "/v1/wait-lists/H1/join", who="coord_north", json={"participant_id": "P1"})
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert (body["position"], body["ahead"]) == (3, 2) and body["estimated_start"]
    again = api.call("POST", "/v1/wait-lists/H1/join", who="coord_north", json={"participant_id": "P1"})
    assert again.status_code == 409
    no_consent = api.call("POST", "/v1/wait-lists/H1/join", who="coord_north", json={"participant_id": "P2"})
    assert no_consent.status_code == 409 and no_consent.json()["errors"][0]["message"] == "no active consent"
    other_cohort = api.call("POST", "/v1/wait-lists/H1/join", who="coord_central", json={"participant_id": "P1"})
    assert other_cohort.status_code in (403, 404)
    waits = api.request("P1").json()["needs"][0]["wait_positions"]
    assert waits[0]["position"] == 3 and "by your place on the list" in waits[0]["explanation"]
    listing = api.call("GET", "/v1/wait-lists/H1").json()["entries"]
    assert [e["person_id"] for e in listing] == ["W1", "W2", "P1"]
