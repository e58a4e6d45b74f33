"""Role matrix: every endpoint x every role (and no token), allowed or refused as specified.

"Allowed" means the call gets past authentication and authorisation (no 401/403); scope rules
are part of the matrix: a coordinator of another cohort and a provider user of another provider
get exactly the answer an unknown id gets (404), so records outside one's scope cannot be probed.
Routes are read from the app (its OpenAPI document) and roles from :data:`api.auth.ROLES`: a new route or role
missing from the matrix (or without a test user) fails the test."""

from __future__ import annotations

import re

import pytest

from api.auth import ROLES
from tests.api.frontdoor_helpers import REFERRAL, intake_body, north_front_door, referral
from tests.api.helpers import USERS

WHO = tuple(USERS)
COORD = {"admin", "coord_north", "coord_central"}
NORTH = {"admin", "coord_north"}
H1 = {"admin", "provider_h1"}
OFFICERS = {"officer_z1", "officer_z2"}
Z1 = NORTH | {"officer_z1"}
NOT_Z1 = {"coord_central", "officer_z2"}
NO_REFERRAL = "00000000-0000-0000-0000-000000000002"
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
    return {
        "request": request["id"],
        "placement": request["needs"][0]["placement"]["id"],
        "entry": str(entry["id"]),
        "consent": str(consent),
        "referral": referral(api)["id"],
        "closing": referral(api)["id"],
        "intake": referral(api)["id"],
    }


def cases(ids: dict[str, str]) -> list[tuple]:
    """(method, route template, concrete path, json body, users allowed[, users to whom the record is
    out of scope]); the others are refused by role (403)."""
    p, r, e, c = ids["placement"], ids["request"], ids["entry"], ids["consent"]
    ref, closing, intake = ids["referral"], ids["closing"], ids["intake"]
    return [
        ("GET", "/v1/providers", "/v1/providers", None, COORD | {"provider_h1", "planner"}),
        (
            "POST",
            "/v1/providers",
            "/v1/providers",
            {"id": "H9", "name": "n", "service": "clinic", "capacity": 1, "lon": -80.0, "lat": 40.4},
            {"admin"},
        ),
        ("GET", "/v1/providers/{provider_id}", "/v1/providers/H1", None, COORD | {"provider_h1", "planner"}),
        ("GET", "/v1/providers/{provider_id}", "/v1/providers/H2", None, COORD | {"planner"}, {"provider_h1"}),
        ("PATCH", "/v1/providers/{provider_id}", "/v1/providers/H1", {"name": "Renamed"}, {"admin"}),
        ("PUT", "/v1/providers/{provider_id}/capacity", "/v1/providers/H1/capacity", {"capacity": 6}, H1),
        (
            "PUT",
            "/v1/providers/{provider_id}/capacity",
            "/v1/providers/H2/capacity",
            {"capacity": 6},
            {"admin"},
            {"provider_h1"},
        ),
        ("GET", "/v1/wait-lists/{list_id}", "/v1/wait-lists/H1", None, H1),
        ("GET", "/v1/wait-lists/{list_id}", "/v1/wait-lists/H2", None, {"admin"}, {"provider_h1"}),
        (
            "POST",
            "/v1/wait-lists/{list_id}/entries",
            "/v1/wait-lists/H2/entries",
            {"person_id": "W-2"},
            {"admin"},
            {"provider_h1"},
        ),
        ("POST", "/v1/provider-imports", "/v1/provider-imports", None, {"admin"}),
        ("POST", "/v1/wait-list-imports", "/v1/wait-list-imports", None, {"admin"}),
        (
            "POST",
            "/v1/wait-lists/{list_id}/join",
            "/v1/wait-lists/H2/join",
            {"participant_id": "LEAD-N"},
            NORTH,
            {"coord_central"},
        ),
        ("POST", "/v1/wait-lists/{list_id}/order", "/v1/wait-lists/H1/order", {"entry_ids": [int(e)]}, H1),
        ("PUT", "/v1/wait-lists/{list_id}", "/v1/wait-lists/H2", {"entries": []}, {"admin"}, {"provider_h1"}),
        ("GET", "/v1/participants", "/v1/participants", None, COORD),
        ("POST", "/v1/participants", "/v1/participants", P_NEW | {"id": "LEAD-X"}, NORTH),
        ("GET", "/v1/participants/{participant_id}", "/v1/participants/LEAD-N", None, NORTH, {"coord_central"}),
        (
            "PATCH",
            "/v1/participants/{participant_id}",
            "/v1/participants/LEAD-N",
            {"max_transit_minutes": 50},
            NORTH,
            {"coord_central"},
        ),
        (
            "POST",
            "/v1/participants/{participant_id}/consents",
            "/v1/participants/LEAD-N/consents",
            {"granted_on": "2026-01-01", "expires_on": "2026-01-02"},
            NORTH,
            {"coord_central"},
        ),
        ("GET", "/v1/placement-requests/{request_id}", f"/v1/placement-requests/{r}", None, NORTH, {"coord_central"}),
        (
            "POST",
            "/v1/placement-requests",
            "/v1/placement-requests",
            {"participant_id": "LEAD-N"},
            NORTH,
            {"coord_central"},
        ),
        ("GET", "/v1/placements", "/v1/placements", None, COORD | {"provider_h1"}),
        (
            "GET",
            "/v1/placements/{placement_id}",
            f"/v1/placements/{p}",
            None,
            NORTH | {"provider_h1"},
            {"coord_central"},
        ),
        (
            "POST",
            "/v1/placements/{placement_id}/confirm",
            f"/v1/placements/{p}/confirm",
            None,
            NORTH | {"provider_h1"},
            {"coord_central"},
        ),
        (
            "POST",
            "/v1/placements/{placement_id}/decline",
            f"/v1/placements/{p}/decline",
            {},
            NORTH | {"provider_h1"},
            {"coord_central"},
        ),
        (
            "POST",
            "/v1/placements/{placement_id}/release",
            f"/v1/placements/{p}/release",
            {},
            NORTH | {"provider_h1"},
            {"coord_central"},
        ),
        ("POST", "/v1/placement-rounds", "/v1/placement-rounds", None, {"admin"}),
        ("GET", "/v1/audit", "/v1/audit", None, {"admin"}),
        ("GET", "/v1/reports/capacity", "/v1/reports/capacity", None, {"admin", "planner", "pcg"}),
        ("GET", "/v1/reports/capacity-gap", "/v1/reports/capacity-gap", None, {"admin", "planner", "pcg"}),
        ("GET", "/v1/reports/capacity-gap", "/v1/reports/capacity-gap", None, {"admin", "planner", "pcg"}),
        ("DELETE", "/v1/wait-lists/{list_id}/entries/{entry_id}", f"/v1/wait-lists/H1/entries/{e}", None, H1),
        (
            "DELETE",
            "/v1/participants/{participant_id}/consents/{consent_id}",
            f"/v1/participants/LEAD-N/consents/{c}",
            None,
            NORTH,
            {"coord_central"},
        ),
        ("DELETE", "/v1/providers/{provider_id}", "/v1/providers/H2", None, {"admin"}),
        ("POST", "/v1/referrals", "/v1/referrals", REFERRAL, NORTH | OFFICERS),
        ("GET", "/v1/referrals", "/v1/referrals", None, COORD | OFFICERS),
        ("GET", "/v1/referrals/outcomes", "/v1/referrals/outcomes", None, {"admin", "planner", "pcg"} | OFFICERS),
        ("GET", "/v1/referrals/{referral_id}", f"/v1/referrals/{ref}", None, Z1, NOT_Z1),
        ("POST", "/v1/referrals/{referral_id}/handed-off", f"/v1/referrals/{ref}/handed-off", {}, Z1, NOT_Z1),
        (
            "POST",
            "/v1/referrals/{referral_id}/not-engaged",
            f"/v1/referrals/{closing}/not-engaged",
            {},
            NORTH,
            {"coord_central"},
        ),
        (
            "POST",
            "/v1/referrals/{referral_id}/intake",
            f"/v1/referrals/{intake}/intake",
            intake_body("LEAD-I"),
            NORTH,
            {"coord_central"},
        ),
        ("GET", "/v1/intake-queue", "/v1/intake-queue", None, COORD),
        (
            "PUT",
            "/v1/cohorts/{cohort}/front-door",
            "/v1/cohorts/North/front-door",
            {"hours": []},
            NORTH,
            {"coord_central"},
        ),
        ("GET", "/v1/cohorts/{cohort}/front-door", "/v1/cohorts/North/front-door", None, NORTH, {"coord_central"}),
        (
            "POST",
            "/v1/facilities",
            "/v1/facilities",
            {"id": "F-2", "name": "Two", "cohort": "North", "lon": -80.0, "lat": 40.4},
            NORTH,
        ),
        ("GET", "/v1/facilities", "/v1/facilities?cohort=North", None, NORTH),
        (
            "POST",
            "/v1/case-managers",
            "/v1/case-managers",
            {"id": "CM-9", "name": "Nine", "cohort": "North", "facility_id": "F-N"},
            NORTH,
        ),
        ("GET", "/v1/case-managers", "/v1/case-managers?cohort=North", None, NORTH),
        ("GET", "/v1/case-managers/{case_manager_id}", "/v1/case-managers/CM-A", None, NORTH, {"coord_central"}),
        ("POST", "/v1/case-assignments", "/v1/case-assignments", {"cohort": "North"}, NORTH),
    ]


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path template) of every /v1 route the app serves, from its OpenAPI document (FastAPI
    nests included routers in ``app.routes``; the document lists every route a router adds)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method in operations
    }


def test_every_endpoint_for_every_role(api):
    matrix = [row if len(row) == 6 else (*row, set()) for row in cases(world(api))]
    assert app_routes(api.app) == {(m, t) for m, t, *_ in matrix}, "every /v1 route needs a row in the role matrix"
    assert set(ROLES) <= {role for role, _ in USERS.values()}, "every role needs a test user in tests/api/helpers.py"
    refused = []
    for method, _template, path, body, allowed, hidden in matrix:
        anonymous = api.client.request(method, path, json=body)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        for who in WHO:
            status = api.call(method, path, who=who, json=body).status_code
            if who in allowed:
                assert status not in (401, 403, 404), f"{who} refused on {method} {path}"
            else:
                expected = 404 if who in hidden else 403
                assert status == expected, f"{who} got {status} on {method} {path}, expected {expected}"
                refused.append((who, method, path))
    assert ("pcg", "GET", "/v1/providers") in refused and ("coord_central", "GET", "/v1/participants/LEAD-N") in refused


def unknown_twin(path: str, body: dict | None, ids: dict[str, str]) -> tuple[str, dict | None]:
    """The same request naming records that do not exist instead of the out-of-scope ones."""
    swaps = {
        "LEAD-N": "LEAD-NONE",
        "H2": "H8",
        ids["placement"]: "00000000-0000-0000-0000-000000000000",
        ids["request"]: "00000000-0000-0000-0000-000000000001",
        "CM-A": "CM-NONE",
        "/cohorts/North/": "/cohorts/Nowhere/",
        **{ids[k]: NO_REFERRAL for k in ("referral", "closing", "intake")},
    }
    pattern = re.compile("|".join(re.escape(k) for k in sorted(swaps, key=len, reverse=True)))
    twin = pattern.sub(lambda m: swaps[m.group(0)], path)
    if body and body.get("participant_id") == "LEAD-N":
        body = body | {"participant_id": "LEAD-NONE"}
    return twin, body


def scrubbed(response, names: tuple[str, ...]) -> tuple:
    """Status and problem body with the record ids and the request path taken out."""
    text = response.text
    for name in names:
        text = text.replace(name, "ID")
    return response.status_code, re.sub(r'"instance":"[^"]*"', "", text)


def test_out_of_scope_records_answer_exactly_as_unknown_ones(api):
    ids = world(api)
    rows = [row for row in cases(ids) if len(row) == 6 and row[5]]
    assert {t for _, t, *_ in rows} >= {
        "/v1/participants/{participant_id}",
        "/v1/placements/{placement_id}",
        "/v1/providers/{provider_id}",
        "/v1/wait-lists/{list_id}",
    }
    names = (
        "LEAD-NONE",
        "LEAD-N",
        "H8",
        "H2",
        ids["placement"],
        ids["request"],
        "00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000001",
        "CM-NONE",
        "CM-A",
        "Nowhere",
        "North",
        NO_REFERRAL,
        ids["referral"],
        ids["closing"],
        ids["intake"],
    )
    for method, _template, path, body, _allowed, hidden in rows:
        twin, twin_body = unknown_twin(path, body, ids)
        assert twin != path or twin_body != body
        for who in hidden:
            out_of_scope = api.call(method, path, who=who, json=body)
            unknown = api.call(method, twin, who=who, json=twin_body)
            assert out_of_scope.status_code == 404, (who, method, path, out_of_scope.text)
            assert scrubbed(out_of_scope, names) == scrubbed(unknown, names), (who, method, path)
    assert api.call("GET", "/v1/participants/LEAD-N", who="coord_north").status_code == 200


def test_creating_an_id_used_in_another_cohort_answers_as_in_ones_own(api):
    """A taken id gets the same 409 whichever cohort holds it; nothing about the record is said."""
    api.participant("LEAD-N", consent=False)
    api.participant("LEAD-C", cohort="Central", who="coord_central", consent=False)
    own = api.call("POST", "/v1/participants", who="coord_north", json=P_NEW | {"id": "LEAD-N"})
    other = api.call("POST", "/v1/participants", who="coord_north", json=P_NEW | {"id": "LEAD-C"})
    assert own.status_code == other.status_code == 409
    assert scrubbed(own, ("LEAD-N",)) == scrubbed(other, ("LEAD-C",))
    assert (
        "Central" not in other.text
        and api.call("GET", "/v1/participants/LEAD-C", who="coord_central").json()["cohort"] == "Central"
    )


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwdw==", "Bearer "])
def test_bad_tokens_are_401_problems(api, header):
    response = api.client.get("/v1/providers", headers={"Authorization": header})
    assert response.status_code in (401, 403)
    assert response.headers["content-type"].startswith("application/problem+json")


def test_coordinator_lists_only_own_cohort(api):
    api.participant("LEAD-N1")
    api.participant("LEAD-C1", cohort="Central", who="coord_central")
    north = [p["id"] for p in api.call("GET", "/v1/participants", who="coord_north").json()["items"]]
    central = [
        p["id"]
        for p in api.call("GET", "/v1/participants", who="coord_central", params={"cohort": "North"}).json()["items"]
    ]
    assert north == ["LEAD-N1"] and central == ["LEAD-C1"]
    assert (
        api.call(
            "POST", "/v1/participants", who="coord_north", json=P_NEW | {"id": "X", "cohort": "Central"}
        ).status_code
        == 403
    )


def test_health_needs_no_token(api):
    assert api.client.get("/healthz").json()["status"] == "ok"
    assert api.client.get("/readyz").json()["status"] == "ready"
