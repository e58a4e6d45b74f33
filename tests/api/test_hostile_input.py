"""Input that passes a loose validation but breaks storage: every one is a 4xx naming the field, on
SQLite and PostgreSQL, and a follow-up read shows the old state (nothing half-written)."""

from __future__ import annotations

import json

import pytest

from api.limits import INT_MAX, LABEL, PLACE


def problem(response, status: int, field: str) -> dict:
    """The problem body of ``response``, checked to be ``status`` naming ``field``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    return body


def test_nul_bytes_in_path_ids_and_query_strings_are_422(api):
    api.provider("H1")
    api.participant("LEAD-1")
    for path, field in [
        ("/v1/participants/LEAD%001", "path.participant_id"),
        ("/v1/providers/H%001", "path.provider_id"),
        ("/v1/wait-lists/H%001", "path.list_id"),
        ("/v1/placements/a%00b", "path.placement_id"),
        ("/v1/placement-requests/a%00b", "path.request_id"),
    ]:
        who = (
            "provider_h1"
            if "wait-lists" in path
            else "coord_north"
            if "placement" in path or "partic" in path
            else "admin"
        )
        problem(api.call("GET", path, who=who), 422, field)
    problem(api.call("GET", "/v1/audit", params={"actor": "a\x00b"}), 422, "query.actor")
    problem(api.call("GET", "/v1/participants", who="coord_north", params={"cohort": "N\x00"}), 422, "query.cohort")
    problem(
        api.call("GET", "/v1/placements", who="coord_north", params={"participant_id": "x\x00"}),
        422,
        "query.participant_id",
    )
    problem(
        api.call("DELETE", "/v1/wait-lists/H1/entries/1", who="provider_h1", params={"reason": "\x00"}),
        422,
        "query.reason",
    )


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\ud800"])
def test_control_characters_in_bodies_are_422_naming_the_field(api, character):
    api.participant("LEAD-1", consent=False)
    body = {"scope": f"place{character}ment", "granted_on": "2026-01-01", "expires_on": "2027-01-01"}
    text = json.dumps(body)  # escapes the character as \\uXXXX, as a client would send it
    response = api.call(
        "POST",
        "/v1/participants/LEAD-1/consents",
        who="coord_north",
        content=text,
        headers_extra={"content-type": "application/json"},
    )
    problem(response, 422, "body.scope")
    assert api.call("GET", "/v1/participants/LEAD-1", who="coord_north").json()["consents"] == []


def test_strings_longer_than_their_column_are_422_and_change_nothing(api):
    api.participant("LEAD-1", consent=False)
    long_scope = {"scope": "x" * (LABEL + 1), "granted_on": "2026-01-01", "expires_on": "2027-01-01"}
    problem(api.call("POST", "/v1/participants/LEAD-1/consents", who="coord_north", json=long_scope), 422, "body.scope")
    fits = api.call(
        "POST", "/v1/participants/LEAD-1/consents", who="coord_north", json=long_scope | {"scope": "x" * LABEL}
    )
    assert fits.status_code == 201, fits.text
    provider = {"id": "H1", "name": "n", "service": "clinic", "capacity": 1, "lon": -80.0, "lat": 40.4}
    problem(api.call("POST", "/v1/providers", json=provider | {"subtype": "s" * (LABEL + 1)}), 422, "body.subtype")
    problem(
        api.call("POST", "/v1/providers", json=provider | {"municipality": "m" * (PLACE + 1)}), 422, "body.municipality"
    )
    admin_participant = {
        "id": "LEAD-2",
        "cohort": "c" * (PLACE + 1),
        "lon": -80.0,
        "lat": 40.45,
        "needs": [{"service": "clinic"}],
    }
    problem(api.call("POST", "/v1/participants", json=admin_participant), 422, "body.cohort")
    assert api.call("GET", "/v1/providers").json()["page"]["total"] == 0
    assert api.call("GET", "/v1/participants").json()["page"]["total"] == 1


@pytest.mark.parametrize("number", [str(2**64), str(INT_MAX + 1), "-1", "1" * 30])
def test_integer_path_ids_beyond_the_column_are_422(api, number):
    api.provider("H1")
    api.participant("LEAD-1")
    problem(api.call("DELETE", f"/v1/wait-lists/H1/entries/{number}", who="provider_h1"), 422, "path.entry_id")
    problem(api.call("DELETE", f"/v1/participants/LEAD-1/consents/{number}", who="coord_north"), 422, "path.consent_id")
    problem(
        api.call("POST", "/v1/wait-lists/H1/order", who="provider_h1", json={"entry_ids": [int(number)]}),
        422,
        "body.entry_ids.0",
    )


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00-12:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00"]
)
def test_calendar_edge_datetimes_are_422(api, moment):
    problem(api.call("GET", "/v1/audit", params={"since": moment}), 422, "query.since")
    problem(api.call("GET", "/v1/audit", params={"until": moment}), 422, "query.until")
    provider = {
        "id": "C1",
        "name": "n",
        "service": "clinic",
        "capacity": 1,
        "lon": -80.0,
        "lat": 40.4,
        "appointment_times": [moment],
    }
    problem(api.call("POST", "/v1/providers", json=provider), 422, "body.appointment_times.0")
    consent = {"granted_on": moment[:10], "expires_on": "2199-12-31"}
    api.participant("LEAD-1", consent=False)
    problem(
        api.call("POST", "/v1/participants/LEAD-1/consents", who="coord_north", json=consent), 422, "body.granted_on"
    )
    assert api.call("GET", "/v1/providers").json()["page"]["total"] == 0


@pytest.mark.parametrize(
    "content, where",
    [
        (b'{"capacity": "\xff\xfe"}', "byte 14"),
        (b"[" * 50_000 + b"]" * 50_000, "nested"),
        (b'{"capacity": 3,}', "line 1"),
        (b'{"capacity": ' + b"9" * 5000 + b"}", "digits"),
    ],
)
def test_bodies_that_fail_to_parse_name_where(api, content, where):
    api.provider("H1")
    response = api.call(
        "PUT", "/v1/providers/H1/capacity", content=content, headers_extra={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    body = response.json()
    assert body["errors"] and body["errors"][0]["field"].startswith("body"), body
    assert where in body["errors"][0]["message"] + body["detail"], body
    assert api.call("GET", "/v1/providers/H1").json()["capacity"] == 2
