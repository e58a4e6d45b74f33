"""Placement explanations say what the transit feed covers when it covers little of the region:
on the real Pittsburgh files (only the Beaver County feed), in the API's answer and the console."""

from __future__ import annotations

import matcher
import pytest

from api.services.transit_note import with_feed_note
from tests.api.helpers import Api, make_users
from tests.console.conftest import sign_in

WARNING = "The X feed serves 4% of the region's residents; transit minutes elsewhere are walking only."


def test_the_warning_goes_only_where_transit_minutes_are_cited():
    result = matcher.Result(
        placements=[matcher.Placement("P1", "H1", "housing", explanation="H1 has a bed: it is 12 min by transit.")],
        unmet=[
            matcher.UnmetNeed("P1", "clinic", explanation="Every eligible clinic is full."),
            matcher.UnmetNeed("P2", "clinic", explanation="C1 is 80 min by transit, over your limit of 60."),
        ],
    )
    noted = with_feed_note(result, WARNING)
    assert noted.placements[0].explanation.endswith(WARNING)
    assert [u.explanation.endswith(WARNING) for u in noted.unmet] == [False, True]
    assert with_feed_note(noted, WARNING).placements[0].explanation.count(WARNING) == 1, "said once"
    assert with_feed_note(result, None) is result


@pytest.fixture
def pittsburgh_api(pittsburgh_region_dir, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import add_user

    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(f"sqlite:///{tmp_path / 'handoff.db'}", pittsburgh_region_dir)
    with TestClient(app) as client:
        api = Api(client, app, make_users(app.state.sessions))
        with app.state.sessions() as session:
            _, api.tokens["coord_boroughs"] = add_user(
                session, "coord_boroughs", "coordinator", cohort="North Boroughs"
            )
            session.commit()
        yield api


def test_pittsburgh_placement_says_the_beaver_county_feed_covers_little(pittsburgh_api, monkeypatch):
    from geodata import feed_note

    region = pittsburgh_api.app.state.region
    expected = region.feed_warning()
    assert expected and "BCTA feed" in expected and "walking only" in expected
    calls = []
    monkeypatch.setattr(feed_note, "feed_notes", lambda *a, **k: calls.append(a))
    pittsburgh_api.provider("H1", capacity=2)  # downtown Pittsburgh
    pittsburgh_api.participant("LEAD-1", cohort="North Boroughs", who="coord_boroughs", lon=-79.995, lat=40.441)
    answer = pittsburgh_api.request("LEAD-1", who="coord_boroughs")
    assert answer.status_code == 201, answer.text
    need = answer.json()["needs"][0]
    assert need["placement"]["provider_id"] == "H1"
    assert "min by transit" in need["explanation"] and need["explanation"].endswith(expected)
    placement = pittsburgh_api.call("GET", f"/v1/placements/{need['placement']['id']}", who="coord_boroughs").json()
    assert placement["explanation"].endswith(expected)
    assert calls == [], "the feed's coverage is worked out once per region, not per request"
    from fastapi.testclient import TestClient

    browser = TestClient(pittsburgh_api.app, follow_redirects=True)
    sign_in(browser, pittsburgh_api.tokens["coord_boroughs"])
    page = browser.get("/console/participants/LEAD-1")
    assert page.status_code == 200 and "walking only" in page.text and "BCTA feed" in page.text
