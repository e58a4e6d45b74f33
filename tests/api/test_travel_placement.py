"""The placement API builds the same instance as `handoff match`: arrive-by and housing-to-provider
minutes from the one travel service, and the same placements."""

from __future__ import annotations

import json
from datetime import timedelta

import matcher
import pytest
from helpers import Api, make_users
from typer.testing import CliRunner

from api.services import decide
from api.services.providers import local_now
from cli import app as cli_app
from geodata.region import load_region


@pytest.fixture
def region_api(demo_region_dir, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app

    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(f"sqlite:///{tmp_path / 'handoff.db'}", demo_region_dir)
    with TestClient(app) as client:
        yield Api(client, app, make_users(app.state.sessions))


def _case(demo_region_dir, times: list[str]):
    """A home, a housing provider and a clinic where arrive-by minutes decide the appointment:
    home -> housing, housing -> clinic, home -> clinic and exactly one appointment's arrive-by
    minutes within ``limit``, not the earliest one."""
    from geodata.travel import TravelService
    from geodata.travel_tables import instance_tables

    region = load_region(demo_region_dir)
    homes = region.population.geometry.representative_point()
    people = {str(i): (p.x, p.y) for i, p in enumerate(homes)}
    rows = {r.provider_id: r for r in region.providers.itertuples() if r.service in ("housing", "clinic")}
    tables = instance_tables(
        TravelService(region),
        people,
        {pid: ((r.lon, r.lat), r.service, times if r.service == "clinic" else []) for pid, r in rows.items()},
    )
    for (h, c), between in sorted(tables.between.items(), key=lambda kv: str(kv)):
        for person in people:
            arrive = [tables.arrive_by[(person, c, t)] for t in times]
            legs = [tables.travel[(person, h)], between, tables.travel[(person, c)]]
            if None in legs + arrive:
                continue
            limit = max(*legs, min(arrive)) + 0.5
            if sum(a < limit for a in arrive) == 1 and limit < arrive[0]:
                return people[person], rows[h], rows[c], limit, times[arrive.index(min(arrive))]
    pytest.skip("no home, housing and clinic in the demo region where only arrive-by decides")


def _body(row, **extra) -> dict:
    return {
        "id": row.provider_id,
        "name": row.name,
        "service": row.service,
        "capacity": 3,
        "occupied": 0,
        "lon": row.lon,
        "lat": row.lat,
        "monthly_turnover": 1.0,
    } | extra


def test_placement_uses_arrive_by_and_housing_minutes_like_handoff_match(
    region_api, demo_region_dir, tmp_path, monkeypatch
):
    day = (local_now() + timedelta(days=1)).date().isoformat()
    times = [f"{day}T{clock}:00" for clock in ("08:00", "09:30", "11:00", "14:00")]
    home, housing, clinic, limit, on_time = _case(demo_region_dir, times)
    for body in (_body(housing), _body(clinic, appointment_times=times)):
        assert region_api.call("POST", "/v1/providers", json=body).status_code == 201
    region_api.participant(
        "P1",
        needs=("housing", "clinic"),
        cohort="Central",
        who="coord_central",
        lon=home[0],
        lat=home[1],
        max_transit_minutes=limit,
    )
    seen: list[matcher.Instance] = []
    real = decide.decision_instance
    monkeypatch.setattr(decide, "decision_instance", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    answer = region_api.request("P1", who="coord_central")
    assert answer.status_code in (200, 201), answer.text
    instance = seen[-1]
    housing, clinic = {"id": housing.provider_id}, {"id": clinic.provider_id}
    ids = {"P1", housing["id"], clinic["id"]}
    assert {(p.participant_id) for p in instance.participants} == {"P1"}
    arrive = {k: v for k, v in instance.arrive_by_minutes.items() if k[1] == clinic["id"]}
    assert set(arrive) == {("P1", clinic["id"], t) for t in times} and any(v is not None for v in arrive.values())
    assert (housing["id"], clinic["id"]) in instance.provider_travel_minutes
    placed = {n["service"]: n["placement"] for n in answer.json()["needs"]}
    assert placed["housing"]["provider_id"] == housing["id"]
    assert placed["clinic"]["provider_id"] == clinic["id"] and placed["clinic"]["appointment"][:19] == on_time
    # the same participant and providers through `handoff match`: it computes the tables from the region
    data = matcher.instance_to_dict(instance)
    data.update(region=str(demo_region_dir), travel_minutes=[], provider_travel_minutes=[], arrive_by_minutes=[])
    data["providers"] = [p for p in data["providers"] if p["provider_id"] in ids]
    data["wait_list"] = [e for e in data["wait_list"] if e["list_id"] in {p["list_id"] for p in data["providers"]}]
    path, out = tmp_path / "round.json", tmp_path / "placed.json"
    path.write_text(json.dumps(data))
    from cli.match import _load_instance

    computed = _load_instance(path)
    assert computed.arrive_by_minutes == arrive
    assert (
        computed.provider_travel_minutes[(housing["id"], clinic["id"])]
        == instance.provider_travel_minutes[(housing["id"], clinic["id"])]
    )
    assert {k: v for k, v in computed.travel_minutes.items()} == {
        k: v for k, v in instance.travel_minutes.items() if k[1] in ids
    }
    ran = CliRunner().invoke(cli_app, ["match", str(path), "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    by_cli = {(p["provider_id"], p["appointment"]) for p in json.loads(out.read_text())["placements"]}
    by_api = {
        (n["placement"]["provider_id"], n["placement"]["appointment"]) for n in answer.json()["needs"] if n["placement"]
    }
    assert by_cli == {(pid, when[:19] if when else None) for pid, when in by_api} and len(by_cli) == 2
    assert (clinic["id"], on_time) in by_cli
