"""Bad input gets a 4xx problem naming the field and changes nothing; the audit log is append-only;
the `make demo` walk-through runs end to end over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy import func, select, text

from api.db.models import AuditEntry, Provider
from tests.api.helpers import Api, make_users


@pytest.fixture
def region_api(current_region_dir, tmp_path):
    """The app bounded by the demo region (cohorts and boundary from its manifest)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'handoff.db'}", current_region_dir)
    with TestClient(app) as client:
        yield Api(client, app, make_users(app.state.sessions))


def test_point_outside_region_and_unknown_cohort_are_422(region_api):
    body = {"id": "P-1", "cohort": "Central", "lon": -75.16, "lat": 39.95, "needs": [{"service": "housing"}]}
    outside = region_api.call("POST", "/v1/participants", json=body)
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "body.lon"
    unknown = region_api.call("POST", "/v1/participants", json=body | {"cohort": "Atlantis"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.cohort"
    provider = {"id": "X1", "name": "Far", "service": "clinic", "capacity": 1, "lon": -75.16, "lat": 39.95}
    assert region_api.call("POST", "/v1/providers", json=provider).status_code == 422
    assert region_api.call("GET", "/v1/participants").json()["page"]["total"] == 0


def test_past_appointment_and_impossible_capacity_are_refused(api):
    past = (datetime.now() - timedelta(days=2)).replace(microsecond=0).isoformat()
    body = {
        "id": "C1",
        "name": "Clinic",
        "service": "clinic",
        "capacity": 2,
        "lon": -80.0,
        "lat": 40.44,
        "appointment_times": [past],
    }
    refused = api.call("POST", "/v1/providers", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.appointment_times.0"
    impossible = api.call("POST", "/v1/providers", json=body | {"appointment_times": [], "occupied": 3})
    assert impossible.status_code == 422 and "occupied" in impossible.json()["errors"][0]["message"]
    with api.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 0


def test_wrong_types_unknown_fields_and_ids(api):
    api.provider("H1")
    typo = api.call("PUT", "/v1/providers/H1/capacity", json={"capacity": "3"})
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "body.capacity"
    extra = api.call("PUT", "/v1/providers/H1/capacity", json={"capacity": 3, "capactiy": 4})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "body.capactiy"
    missing = api.call("GET", "/v1/providers/NOPE")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "path.id"
    assert (
        api.call("POST", "/v1/placement-requests", who="coord_north", json={"participant_id": "NOPE"}).json()["errors"][
            0
        ]["field"]
        == "body.participant_id"
    )
    assert api.call("GET", "/v1/nowhere").status_code == 404
    not_allowed = api.call("DELETE", "/v1/audit")
    assert not_allowed.status_code == 405 and not_allowed.headers["allow"] == "GET"


def test_oversized_body_is_413(api):
    entries = [{"person_id": f"W-{i:07d}", "attributes": {"language": "x" * 150}} for i in range(6000)]
    response = api.call("PUT", "/v1/wait-lists/H1", json={"entries": entries})
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "body"


def test_audit_log_refuses_update_and_delete(database_url, api):
    api.provider("H1")
    with api.app.state.engine.connect() as connection:
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                with connection.begin():
                    connection.execute(text(statement))
    with api.app.state.sessions() as session:
        assert session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "provider.create")) == "admin"


def test_walkthrough_places_and_confirms_over_http(current_region_dir, tmp_path, monkeypatch):
    from api.walkthrough import run_walkthrough

    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "cache"))
    console = Console(file=open(tmp_path / "out.txt", "w"), width=100)
    outcome = run_walkthrough(current_region_dir, database_url=f"sqlite:///{tmp_path / 'demo.db'}", console=console)
    assert outcome["request_id"] and outcome["status"] in ("placed", "partial"), outcome["needs"]
    assert set(outcome["needs"]) == {"housing", "treatment", "clinic"}
    assert outcome["held"] and outcome["confirmed"] and outcome["audit_rows"] >= 2
    assert "min by transit" in " ".join(outcome["needs"].values())
    printed = (tmp_path / "out.txt").read_text()
    assert "POST /v1/placement-requests" in printed
    assert outcome["appointment"], "the demo offers a clinic appointment at a listed time"
    assert "one of its" in printed and "listed times (yes)" in printed
    assert outcome["declined"] and outcome["declined"]["after"] != outcome["declined"]["declined"]
    assert "Next step" in outcome["unmet"]["explanation"] and outcome["unmet"]["joined"]["position"] >= 1
    flowing = " ".join(printed.split())  # the console wraps lines; every explanation is there whole
    assert all(
        " ".join(text.split()) in flowing for text in [*outcome["needs"].values(), outcome["unmet"]["explanation"]]
    )
    front = outcome["front_door"]  # the roadside referral to a placement (api.walkthrough_frontdoor)
    assert front["available"] and front["best"]["minutes"] > 0
    assert (
        front["assignment"][0]["case_manager_id"].startswith("CM-1-")
        and "spanish" in front["assignment"][0]["explanation"]
    )
    assert front["placement_status"] in ("placed", "partial")
    assert set(front["officer_view"]) == {"id", "route", "occurred_at", "handed_off", "intake_done", "engaged"}
    assert front["officer_view"]["engaged"] == "yes" and "Hand-off answer in" in (tmp_path / "out.txt").read_text()


def test_region_transit_minutes_come_from_the_gtfs_engine(region_api, monkeypatch, tmp_path):
    """With a region, minutes are the transit engine's (NaN kept unreachable), not the estimate."""
    import numpy as np

    from api.services.region import straight_line_minutes

    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "cache"))
    region = region_api.app.state.region
    table = region.transit_table()
    assert table is not None and table.minutes.shape == (len(table.origins), len(table.column))
    lon, lat = table.origins[0]
    ids = list(table.column)
    lons, lats = np.zeros(len(ids)), np.zeros(len(ids))
    minutes = region.travel_minutes(lon, lat, lons, lats, ids)
    expected = table.minutes[0, [table.column[i] for i in ids]]
    assert np.allclose(minutes, expected, equal_nan=True)
    assert not np.allclose(np.nan_to_num(minutes), straight_line_minutes(lon, lat, lons, lats))
