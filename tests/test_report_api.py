"""`GET /v1/reports/capacity-gap`: the PCG's report as JSON on the service's live state."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import add_user
from api.services.seed import load_region_into_db
from scenarios.reports.privacy import PSEUDONYM


@pytest.fixture(scope="module")
def service(current_region_dir, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'handoff.db'}"
    app = create_app(url, region_dir=current_region_dir)
    with TestClient(app) as client:
        with app.state.sessions() as session:
            load_region_into_db(session, current_region_dir)
            tokens = {
                "pcg": add_user(session, "pat", "pcg")[1],
                "coordinator": add_user(session, "cora", "coordinator", cohort="Central")[1],
            }
            session.commit()
        yield client, tokens


def test_pcg_gets_the_aggregate_report_without_any_person_id(service, current_region_dir):
    client, tokens = service
    response = client.get("/v1/reports/capacity-gap", headers={"Authorization": f"Bearer {tokens['pcg']}"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"] == "capacity-gap" and report["equity"]["dimensions"]["race"]["eligible"]
    assert not PSEUDONYM.search(response.text)
    from geodata.region import load_region

    people = set(load_region(current_region_dir).wait_lists["person_id"].astype(str))
    assert not any(person in response.text for person in people)
    housing = report["headline"]["housing"]
    assert housing["capacity"] > 0 and (
        housing["waiting"] is None or housing["waiting"] >= 11 or housing["waiting"] == 0
    )


def test_a_coordinator_may_not_read_the_report(service):
    client, tokens = service
    response = client.get("/v1/reports/capacity-gap", headers={"Authorization": f"Bearer {tokens['coordinator']}"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_bad_threshold_names_the_field(service):
    client, tokens = service
    response = client.get(
        "/v1/reports/capacity-gap?transit_minutes=-5", headers={"Authorization": f"Bearer {tokens['pcg']}"}
    )
    assert response.status_code == 422
    assert "transit_minutes" in response.text


def test_a_service_without_providers_answers_with_a_problem_not_a_crash(current_region_dir, tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'empty.db'}", region_dir=current_region_dir)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.sessions() as session:
            token = add_user(session, "pat", "pcg")[1]
            session.commit()
        response = client.get("/v1/reports/capacity-gap", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "providers import" in response.json()["detail"]
