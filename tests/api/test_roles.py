"""Role matrix: every endpoint x every role (and no token), allowed or refused as specified.

"Allowed" means the call gets past authentication and authorisation (no 401/403); scope rules
are part of the matrix: a coordinator of another cohort and a provider user of another provider
are refused. A route missing from the matrix fails the test, so new endpoints must be added."""
from __future__ import annotations

import pytest

from tests.api.frontdoor_helpers import REFERRAL, intake_body, north_front_door, referral

WHO = ("admin", "coord_north", "coord_central", "provider_h1", "planner", "pcg", "officer_z1", "officer_z2")
COORD = {"admin", "coord_north", "coord_central"}
NORTH = {"admin", "coord_north"}
H1 = {"admin", "provider_h1"}
OFFICERS = {"officer_z1", "officer_z2"}
Z1 = NORTH | {"officer_z1"}
HIDDEN_FROM_OTHERS = {"coord_central", "officer_z2"}
P_NEW = {"cohort": "North", "lon": -80.0, "lat": 40.45, "needs": [{"service": "clinic"}]}


def world(api) -> dict[str, str]:
    """Providers H1, H2; participant LEAD-N (North) with a hold at H1; a wait-list entry on H1."""
    api.provider("H1", capacity=5)
    api.provider("H2", capacity=5, service="treatment")
    api.participant("LEAD-N", needs=("housing",))
    request = api.request("LEAD-N").json()
    entry = api.call("POST", "/v1/wait-lists/H1/entries", json={"person_id": "W-1", "priority": 99}).json()
    consent = api.call("GET", "/v1/participants/LEAD-N").json()["consents"][0]["id"]
    north_front_door(api)
    return {"request": request["id"], "placement": request["needs"][0]["placement"]["id"], "entry": str(entry["id"]),
            "consent": str(consent), "referral": referral(api)["id"], "closing": referral(api)["id"],
            "intake": referral(api)["id"]}


def cases(ids: dict[str, str]) -> list[tuple[str, str, str, dict | None, set[str]]]:
    """(method, route template, concrete path, json body, users allowed)."""
    p, r, e, c = ids["placement"], ids["request"], ids["entry"], ids["consent"]
    ref, closing, intake = ids["referral"], ids["closing"], ids["intake"]
    return [
        ("GET", "/v1/providers", "/v1/providers", None, COORD | {"provider_h1", "planner"}),
        ("POST", "/v1/providers", "/v1/providers", {"id": "H9", "name": "n", "service": "clinic", "capacity": 1,
                                                     "lon": -80.0, "lat": 40.4}, {"admin"}),
        ("GET", "/v1/providers/{provider_id}", "/v1/providers/H1", None, COORD | {"provider_h1", "planner"}),
        ("GET", "/v1/providers/{provider_id}", "/v1/providers/H2", None, COORD | {"planner"}),
        ("PATCH", "/v1/providers/{provider_id}", "/v1/providers/H1", {"name": "Renamed"}, {"admin"}),
        ("PUT", "/v1/providers/{provider_id}/capacity", "/v1/providers/H1/capacity", {"capacity": 6}, H1),
        ("PUT", "/v1/providers/{provider_id}/capacity", "/v1/providers/H2/capacity", {"capacity": 6}, {"admin"}),
        ("GET", "/v1/wait-lists/{list_id}", "/v1/wait-lists/H1", None, H1),
        ("GET", "/v1/wait-lists/{list_id}", "/v1/wait-lists/H2", None, {"admin"}),
        ("POST", "/v1/wait-lists/{list_id}/entries", "/v1/wait-lists/H2/entries", {"person_id": "W-2"}, {"admin"}),
        ("POST", "/v1/wait-lists/{list_id}/order", "/v1/wait-lists/H1/order", {"entry_ids": [int(e)]}, H1),
        ("PUT", "/v1/wait-lists/{list_id}", "/v1/wait-lists/H2", {"entries": []}, {"admin"}),
        ("GET", "/v1/participants", "/v1/participants", None, COORD),
        ("POST", "/v1/participants", "/v1/participants", P_NEW | {"id": "LEAD-X"}, NORTH),
        ("GET", "/v1/participants/{participant_id}", "/v1/participants/LEAD-N", None, NORTH),
        ("PATCH", "/v1/participants/{participant_id}", "/v1/participants/LEAD-N", {"max_transit_minutes": 50}, NORTH),
        ("POST", "/v1/participants/{participant_id}/consents", "/v1/participants/LEAD-N/consents",
         {"granted_on": "2026-01-01", "expires_on": "2026-01-02"}, NORTH),
        ("GET", "/v1/placement-requests/{request_id}", f"/v1/placement-requests/{r}", None, NORTH),
        ("POST", "/v1/placement-requests", "/v1/placement-requests", {"participant_id": "LEAD-N"}, NORTH),
        ("GET", "/v1/placements", "/v1/placements", None, COORD | {"provider_h1"}),
        ("GET", "/v1/placements/{placement_id}", f"/v1/placements/{p}", None, NORTH | {"provider_h1"}),
        ("POST", "/v1/placements/{placement_id}/confirm", f"/v1/placements/{p}/confirm", None, NORTH | {"provider_h1"}),
        ("POST", "/v1/placements/{placement_id}/decline", f"/v1/placements/{p}/decline", {}, NORTH | {"provider_h1"}),
        ("POST", "/v1/placements/{placement_id}/release", f"/v1/placements/{p}/release", {}, NORTH | {"provider_h1"}),
        ("POST", "/v1/placement-rounds", "/v1/placement-rounds", None, {"admin"}),
        ("GET", "/v1/audit", "/v1/audit", None, {"admin"}),
        ("GET", "/v1/reports/capacity", "/v1/reports/capacity", None, {"admin", "planner", "pcg"}),
        ("GET", "/v1/reports/capacity-gap", "/v1/reports/capacity-gap", None, {"admin", "planner", "pcg"}),
        ("GET", "/v1/reports/capacity-gap", "/v1/reports/capacity-gap", None, {"admin", "planner", "pcg"}),
        ("DELETE", "/v1/wait-lists/{list_id}/entries/{entry_id}", f"/v1/wait-lists/H1/entries/{e}", None, H1),
        ("DELETE", "/v1/participants/{participant_id}/consents/{consent_id}",
         f"/v1/participants/LEAD-N/consents/{c}", None, NORTH),
        ("DELETE", "/v1/providers/{provider_id}", "/v1/providers/H2", None, {"admin"}),
        ("POST", "/v1/referrals", "/v1/referrals", REFERRAL, NORTH | OFFICERS),
        ("GET", "/v1/referrals", "/v1/referrals", None, COORD | OFFICERS),
        ("GET", "/v1/referrals/outcomes", "/v1/referrals/outcomes", None, {"admin", "planner", "pcg"} | OFFICERS),
        ("GET", "/v1/referrals/{referral_id}", f"/v1/referrals/{ref}", None, Z1),
        ("POST", "/v1/referrals/{referral_id}/handed-off", f"/v1/referrals/{ref}/handed-off", {}, Z1),
        ("POST", "/v1/referrals/{referral_id}/not-engaged", f"/v1/referrals/{closing}/not-engaged", {}, NORTH),
        ("POST", "/v1/referrals/{referral_id}/intake", f"/v1/referrals/{intake}/intake", intake_body("LEAD-I"), NORTH),
        ("GET", "/v1/intake-queue", "/v1/intake-queue", None, COORD),
        ("PUT", "/v1/cohorts/{cohort}/front-door", "/v1/cohorts/North/front-door", {"hours": []}, NORTH),
        ("GET", "/v1/cohorts/{cohort}/front-door", "/v1/cohorts/North/front-door", None, NORTH),
        ("POST", "/v1/facilities", "/v1/facilities", {"id": "F-2", "name": "Two", "cohort": "North", "lon": -80.0,
                                                      "lat": 40.4}, NORTH),
        ("GET", "/v1/facilities", "/v1/facilities?cohort=North", None, NORTH),
        ("POST", "/v1/case-managers", "/v1/case-managers", {"id": "CM-9", "name": "Nine", "cohort": "North",
                                                            "facility_id": "F-N"}, NORTH),
        ("GET", "/v1/case-managers", "/v1/case-managers?cohort=North", None, NORTH),
        ("GET", "/v1/case-managers/{case_manager_id}", "/v1/case-managers/CM-A", None, NORTH),
        ("POST", "/v1/case-assignments", "/v1/case-assignments", {"cohort": "North"}, NORTH),
    ]


def hidden(method: str, path: str) -> set[str]:
    """Users for whom the record in ``path`` is out of scope: they get 404, as if it did not exist."""
    if "/v1/referrals/" in path and not path.endswith("/outcomes"):
        return HIDDEN_FROM_OTHERS if method == "GET" or path.endswith("handed-off") else {"coord_central"}
    if path.startswith("/v1/cohorts/North") or path.startswith("/v1/case-managers/"):
        return {"coord_central"}
    return set()


def test_every_endpoint_for_every_role(api):
    matrix = cases(world(api))
    routes = {(m.upper(), path) for path, ops in api.app.openapi()["paths"].items() if path.startswith("/v1")
              for m in ops}
    assert routes == {(m, t) for m, t, *_ in matrix}, "every /v1 route needs a row in the role matrix"
    refused = []
    for method, _template, path, body, allowed in matrix:
        anonymous = api.client.request(method, path, json=body)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        for who in WHO:
            status = api.call(method, path, who=who, json=body).status_code
            if who in allowed:
                assert status not in (401, 403), f"{who} refused on {method} {path}"
            else:
                expected = 404 if who in hidden(method, path) else 403
                assert status == expected, f"{who} got {status} on {method} {path}, expected {expected}"
                refused.append((who, method, path))
    assert ("pcg", "GET", "/v1/providers") in refused and ("coord_central", "GET", "/v1/participants/LEAD-N") in refused


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwdw==", "Bearer "])
def test_bad_tokens_are_401_problems(api, header):
    response = api.client.get("/v1/providers", headers={"Authorization": header})
    assert response.status_code in (401, 403)
    assert response.headers["content-type"].startswith("application/problem+json")


def test_coordinator_lists_only_own_cohort(api):
    api.participant("LEAD-N1")
    api.participant("LEAD-C1", cohort="Central", who="coord_central")
    north = [p["id"] for p in api.call("GET", "/v1/participants", who="coord_north").json()["items"]]
    central = [p["id"] for p in api.call("GET", "/v1/participants", who="coord_central",
                                         params={"cohort": "North"}).json()["items"]]
    assert north == ["LEAD-N1"] and central == ["LEAD-C1"]
    assert api.call("POST", "/v1/participants", who="coord_north", json=P_NEW | {"id": "X", "cohort": "Central"}
                    ).status_code == 403


def test_health_needs_no_token(api):
    assert api.client.get("/healthz").json()["status"] == "ok"
    assert api.client.get("/readyz").json()["status"] == "ready"
